using System.Net;
using System.Net.Sockets;
using ClusterMnist.Server;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ClusterMnist.Cli.Tests;

/// <summary>`predict --server` against a real ServerHost on 127.0.0.1 serving the fixture's trained checkpoint.</summary>
public class PredictServerTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task PredictServer_PrintsTheSameAnswerAsTheCheckpoint_WithModelVersionAndStep()
    {
        var snapshot = CheckpointSnapshot.Load(model.CheckpointPath, version: 3);
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(snapshot), new InMemoryClusterStatus());
        var first = WritePgm("remote0.pgm", 0);
        var second = WritePgm("remote1.pgm", 1);

        var remote = await CliRunner.RunAsync("predict", "--server", host.Address.ToString().TrimEnd('/'), first, second);
        var local = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, first, second);

        Assert.True(remote.ExitCode == 0, remote.Error);
        Assert.True(local.ExitCode == 0, local.Error);
        Assert.Equal(4, remote.OutputLines.Length);
        for (int i = 0; i < 4; i += 2)
        {
            // Same digit and confidence, then the model that answered; the ten probabilities are the same numbers.
            Assert.Equal($"{local.OutputLines[i]}  [model version 3, step {snapshot.Step}]", remote.OutputLines[i]);
            Assert.Equal(local.OutputLines[i + 1], remote.OutputLines[i + 1]);
        }

        Assert.True(snapshot.Step > 0);
    }

    [Fact]
    public async Task PredictServer_AnswersJpegBmpAndPngPictures_AsTheCheckpointDoes()
    {
        var snapshot = CheckpointSnapshot.Load(model.CheckpointPath, version: 4);
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(snapshot), new InMemoryClusterStatus());
        string[] pictures =
        [
            WritePicture("remote.jpg", 0, new JpegEncoder { Quality = 95 }),
            WritePicture("remote.bmp", 1, new BmpEncoder()),
            WritePicture("remote.png", 2, new PngEncoder()),
        ];

        var remote = await CliRunner.RunAsync(["predict", "--server", host.Address.ToString(), .. pictures]);
        var local = await CliRunner.RunAsync(["predict", "--model", model.CheckpointPath, .. pictures]);

        Assert.True(remote.ExitCode == 0, remote.Error);
        Assert.True(local.ExitCode == 0, local.Error);
        for (int i = 0; i < 6; i += 2)
        {
            Assert.Equal($"{local.OutputLines[i]}  [model version 4, step {snapshot.Step}]", remote.OutputLines[i]);
            Assert.Equal(local.OutputLines[i + 1], remote.OutputLines[i + 1]);
        }
    }

    [Fact]
    public async Task PredictServer_PrintsTheServersErrorMessage_AndGoesOnWithTheOtherImages()
    {
        // A model for 100 inputs cannot take a 28×28 image: the server says so with 400 and {"error": ...}.
        var network = new Core.Model.Network(Core.Model.ModelSpec.Parse("100-10"));
        var wrongSize = new ParameterSnapshot(network.Spec, new float[network.ParameterCount], version: 1, step: 0, epoch: 0);
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(wrongSize), new InMemoryClusterStatus());
        var image = WritePgm("wrongsize.pgm", 2);
        var missing = model.Data.File("absent.pgm");

        var run = await CliRunner.RunAsync("predict", "--server", host.Address.ToString(), image, missing);

        Assert.Equal(1, run.ExitCode);
        var errors = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, errors.Length);
        Assert.StartsWith($"error: {image}: the server answered 400 Bad Request: ", errors[0]);
        Assert.Contains("100", errors[0]);
        Assert.Contains("absent.pgm", errors[1]);
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public async Task PredictServer_TakesTheEndpointUrl_AsItsCoordinator_AndExplainsA404()
    {
        var snapshot = CheckpointSnapshot.Load(model.CheckpointPath, version: 1);
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(snapshot), new InMemoryClusterStatus());
        var image = WritePgm("endpoint.pgm", 2);

        var endpoint = await CliRunner.RunAsync("predict", "--server", new Uri(host.Address, "api/predict").ToString(), image);
        var wrongPath = await CliRunner.RunAsync("predict", "--server", new Uri(host.Address, "cluster/").ToString(), image);

        Assert.True(endpoint.ExitCode == 0, endpoint.Error);
        Assert.Contains("[model version 1", endpoint.Output, StringComparison.Ordinal);
        wrongPath.AssertCleanFailure(1, "404 Not Found");
        Assert.Contains("is --server the coordinator's address", wrongPath.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PredictServer_SaysNoModelIsServedYet_WhenTheServerHasNone()
    {
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(), new InMemoryClusterStatus());

        var run = await CliRunner.RunAsync("predict", "--server", host.Address.ToString(), WritePgm("nomodel.pgm", 3));

        run.AssertCleanFailure(1, "503 Service Unavailable: no model is being served yet");
    }

    [Fact]
    public async Task PredictServer_FailsOnOneLine_WhenTheConnectionIsRefused()
    {
        int port = UnusedPort();

        var run = await CliRunner.RunAsync("predict", "--server", $"http://127.0.0.1:{port}", WritePgm("refused0.pgm", 4), WritePgm("refused1.pgm", 5));

        // One line for the whole command, not one per image: every other image would fail the same way.
        run.AssertCleanFailure(1, $"cannot reach the server at http://127.0.0.1:{port}/: connection refused");
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Predict_RejectsModelAndServerTogether()
    {
        var run = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, "--server", "http://127.0.0.1:1", WritePgm("both.pgm", 6));

        run.AssertCleanFailure(2, "--model and --server are mutually exclusive");
    }

    [Fact]
    public async Task Predict_AsksForModelOrServer_WhenGivenNeither()
    {
        var run = await CliRunner.RunAsync("predict", WritePgm("neither.pgm", 7));

        run.AssertCleanFailure(2, "give --model FILE (a checkpoint) or --server URL");
    }

    [Fact]
    public async Task PredictServer_RejectsAUrlThatIsNotHttp()
    {
        var run = await CliRunner.RunAsync("predict", "--server", "localhost:8080", WritePgm("badurl.pgm", 8));

        run.AssertCleanFailure(2, "bad --server 'localhost:8080'");
    }

    private static int UnusedPort()
    {
        // Bind port 0, note the port, close: nothing listens there afterwards (the kernel does not hand it out again at once).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private string WritePicture(string name, int index, IImageEncoder encoder)
    {
        string path = model.Data.File(name);
        using var image = Image.LoadPixelData<L8>(model.Data.TestPixels.AsSpan(index * 784, 784), 28, 28);
        image.Save(path, encoder);
        return path;
    }

    private string WritePgm(string name, int index)
    {
        string path = model.Data.File(name);
        using var stream = File.Create(path);
        stream.Write("P5\n28 28\n255\n"u8);
        stream.Write(model.Data.TestPixels.AsSpan(index * 784, 784));
        return path;
    }
}
