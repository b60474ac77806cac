using System.Net;
using System.Net.Sockets;

namespace ClusterMnist.Cli.Tests;

public sealed class DownloadCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "clustermnist-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Download_FetchesAllFashionFiles_FromAGivenMirror()
    {
        string? data = Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA");
        Skip.If(string.IsNullOrEmpty(data), "needs CLUSTERMNIST_DATA (the real data sets).");

        using var server = new StaticServer(Path.Combine(data, "fashion-mnist"));

        var (exit, output, error) = await Invoke("--dataset", "fashion", "--dir", _root, "--mirror", server.Address.AbsoluteUri);

        Assert.True(exit == 0, error);
        Assert.Contains("train-images-idx3-ubyte.gz: downloading from", output, StringComparison.Ordinal);
        Assert.Contains("all files present and verified", output, StringComparison.Ordinal);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(_root, "fashion-mnist")).Length);
    }

    [SkippableFact]
    public async Task Download_FetchesOnlyTheTwoTestFiles_WhenDigitsSplit()
    {
        string? data = Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA");
        Skip.If(string.IsNullOrEmpty(data), "needs CLUSTERMNIST_DATA (the real data sets).");

        using var server = new StaticServer(Path.Combine(data, "mnist"));

        var (exit, output, error) = await Invoke("--dataset", "digits-split", "--dir", _root, "--mirror", server.Address.AbsoluteUri);

        Assert.True(exit == 0, error);
        string[] names = [.. Directory.GetFiles(Path.Combine(_root, "mnist")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"], names);
        Assert.Contains("all files present and verified", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_FailsWithAClearMessageAndNoFiles_WhenNoMirrorAnswers()
    {
        string mirror = $"http://127.0.0.1:{ClosedPort()}/mnist/";

        var (exit, _, error) = await Invoke("--dir", _root, "--mirror", mirror);

        Assert.Equal(1, exit);
        // Warnings per failed attempt, then the error on one line.
        Assert.All(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches("^(warning|error): ", line));
        Assert.Single(error.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("Could not download train-images-idx3-ubyte.gz from any mirror", error, StringComparison.Ordinal);
        Assert.Contains(mirror + "train-images-idx3-ubyte.gz", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "mnist")));
    }

    [Theory]
    [InlineData("--dataset", "cifar")]
    [InlineData("--mirror", "ftp://example.org/")]
    public async Task Download_RejectsBadArguments(string option, string value)
    {
        var (exit, _, error) = await Invoke("--dir", _root, option, value);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "mnist")));
    }

    private static async Task<(int Exit, string Output, string Error)> Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int exit = await CliApp.RunAsync(["download", .. args], output, error, timeout.Token);
        return (exit, output.ToString(), error.ToString());
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Serves the files of one folder on 127.0.0.1.</summary>
    private sealed class StaticServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public StaticServer(string folder)
        {
            Address = new Uri($"http://127.0.0.1:{ClosedPort()}/");
            _listener.Prefixes.Add(Address.AbsoluteUri);
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                    {
                        return;
                    }

                    string path = Path.Combine(folder, Path.GetFileName(context.Request.Url!.AbsolutePath));
                    try
                    {
                        if (File.Exists(path))
                        {
                            byte[] bytes = await File.ReadAllBytesAsync(path);
                            context.Response.ContentLength64 = bytes.Length;
                            await context.Response.OutputStream.WriteAsync(bytes);
                        }
                        else
                        {
                            context.Response.StatusCode = 404;
                        }

                        context.Response.Close();
                    }
                    catch (Exception e) when (e is HttpListenerException or IOException)
                    {
                        // The client went away.
                    }
                }
            });
        }

        public Uri Address { get; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
