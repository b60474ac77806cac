namespace ClusterMnist.Cli.Tests;

public class BadInputTests : IDisposable
{
    private readonly TinyDataset _data = new(trainCount: 100, testCount: 50);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Train_FailsWithUsageError_WhenModelSpecIsBad()
    {
        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "784-abc-10");

        run.AssertCleanFailure(2, "784-abc-10");
    }

    [Theory]
    [InlineData("evaluate", "--model", "--model needs a file name")]
    [InlineData("predict", "--model", "--model needs a file name")]
    [InlineData("export", "--onnx", "--onnx needs a file name")]
    [InlineData("train", "--checkpoint", "--checkpoint needs a file name")]
    [InlineData("train", "--plot", "--plot needs a file name")]
    [InlineData("train", "--data", "--data needs a folder name")]
    [InlineData("download", "--dir", "--dir needs a folder name")]
    [InlineData("cert", "--out", "--out needs a file name")]
    public async Task EveryPathOption_RefusesAnEmptyValue_AsAUsageError(string command, string option, string expected)
    {
        // Once .NET's own "The value cannot be an empty string. (Parameter 'path')", exit 1.
        string[] required = command switch
        {
            "evaluate" => ["--model", "m.ckpt"],
            "export" => ["--model", "m.ckpt", "--onnx", "m.onnx"],
            "cert" => ["--out", "c.pfx"],
            _ => [],
        };
        var run = await CliRunner.RunAsync([command, .. WithoutOption(required, option), option, " "]);

        run.AssertCleanFailure(2, expected);
    }

    private static string[] WithoutOption(string[] pairs, string option) =>
        pairs.Chunk(2).Where(p => p[0] != option).SelectMany(p => p).ToArray();

    [Fact]
    public async Task Download_RefusesAFileAsItsDataRoot()
    {
        var notes = _data.File("notes.txt");
        await File.WriteAllTextAsync(notes, "notes");

        var run = await CliRunner.RunAsync("download", "--dataset", "digits-split", "--dir", notes);

        run.AssertCleanFailure(2, "--dir");
        Assert.Contains("is a file", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_FailsWithUsageError_WhenModelDoesNotFitImages()
    {
        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "100-10", "--epochs", "1");

        run.AssertCleanFailure(2, "784");
    }

    [Fact]
    public async Task Train_FailsCleanly_WhenDataFileIsMalformed()
    {
        var images = Path.Combine(_data.Root, "mnist", "train-images-idx3-ubyte");
        await File.WriteAllBytesAsync(images, [0, 0, 8, 3, 0, 0]);

        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--epochs", "1");

        run.AssertCleanFailure(1, "train-images-idx3-ubyte");
    }

    [Fact]
    public async Task Evaluate_FailsCleanly_WhenCheckpointIsMissing()
    {
        var run = await CliRunner.RunAsync("evaluate", "--model", _data.File("missing.ckpt"), "--data", _data.Root);

        run.AssertCleanFailure(1, "missing.ckpt");
    }

    [Fact]
    public async Task AFolderGivenForACheckpoint_IsCalledAFolder()
    {
        var evaluate = await CliRunner.RunAsync("evaluate", "--model", _data.Root, "--data", _data.Root);
        var resume = await CliRunner.RunAsync("train", "--resume", _data.Root, "--data", _data.Root);

        evaluate.AssertCleanFailure(1, "is a folder, not a checkpoint file");
        resume.AssertCleanFailure(1, $"cannot resume: '{_data.Root}' is a folder");
    }

    [Fact]
    public async Task Coordinator_RefusesAFileAsCheckpointDir()
    {
        var file = _data.File("not-a-folder.txt");
        await File.WriteAllTextAsync(file, "text");

        var coordinator = await CliRunner.RunAsync("coordinator", "--insecure", "--port", "0", "--cluster-port", "0", "--checkpoint-dir", file);

        coordinator.AssertCleanFailure(2, $"--checkpoint-dir '{file}' is a file; give a folder");
    }

    [Fact]
    public async Task AFileWhereAnOutputFolderShouldBe_IsAnErrorNamingTheFlag_ForEveryCommand()
    {
        // Missing folders are created (as train always did); only a file in their way stops a command: exit 1, the flag named.
        var file = _data.File("not-a-folder.txt");
        await File.WriteAllTextAsync(file, "text");
        string under = Path.Combine(file, "sub");

        var coordinator = await CliRunner.RunAsync("coordinator", "--insecure", "--port", "0", "--cluster-port", "0", "--data-plane-port", "0",
            "--data", _data.Root, "--checkpoint-dir", under);
        var worker = await CliRunner.RunAsync("worker", "--insecure", "--coordinator", "127.0.0.1", "--cluster-port", "0", "--ready-file", Path.Combine(under, "ready"));
        var download = await CliRunner.RunAsync("download", "--dataset", "digits-split", "--dir", under);

        coordinator.AssertCleanFailure(1, $"--checkpoint-dir '{under}': cannot write in the folder '{under}': '{file}' is a file, not a folder.");
        worker.AssertCleanFailure(1, $"--ready-file '{Path.Combine(under, "ready")}': cannot write in the folder '{under}': '{file}' is a file, not a folder.");
        download.AssertCleanFailure(1, $"--dir '{under}': cannot write in the folder '{under}': '{file}' is a file, not a folder.");
        Assert.DoesNotContain("Training", coordinator.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage garbage garbage garbage garbage garbage")]
    public async Task Evaluate_FailsCleanly_WhenCheckpointIsNotACheckpoint(string content)
    {
        var path = _data.File("bad.ckpt");
        await File.WriteAllTextAsync(path, content);

        var run = await CliRunner.RunAsync("evaluate", "--model", path, "--data", _data.Root);

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", run.Error);
    }

    [Fact]
    public async Task Coordinator_RefusesAModelWhoseParametersExceedADataPlaneFrame()
    {
        // 784·400,000 + 400,000·10 weights: about 318 million parameters, 1.27 GB of float32, more than one 1 GiB frame.
        var run = await CliRunner.RunAsync("coordinator", "--insecure", "--port", "0", "--cluster-port", "0", "--data-plane-port", "0",
            "--data", _data.Root, "--model", "784-400000-10");

        run.AssertCleanFailure(2, "268,435,456");
        Assert.Contains("train", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainResume_FailsCleanlyOnce_WhenCheckpointIsNotACheckpoint()
    {
        // train's warm-up reads the checkpoint too, while the data loads; only the run's own reading reports.
        var path = _data.File("bad.ckpt");
        await File.WriteAllTextAsync(path, "garbage garbage garbage garbage garbage garbage");

        var run = await CliRunner.RunAsync("train", "--resume", path, "--data", _data.Root);

        run.AssertCleanFailure(1, "bad.ckpt");
        Assert.Empty(run.OutputLines);
    }

    [Fact]
    public async Task Predict_FailsCleanly_WhenCheckpointIsTruncated()
    {
        var checkpoint = _data.File("truncated.ckpt");
        var train = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "1", "--batch", "50", "--checkpoint", checkpoint);
        Assert.True(train.ExitCode == 0, train.Error);
        var bytes = await File.ReadAllBytesAsync(checkpoint);
        await File.WriteAllBytesAsync(checkpoint, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var run = await CliRunner.RunAsync("predict", "--model", checkpoint, _data.File("any.png"));

        run.AssertCleanFailure(1, "truncated.ckpt");
    }

    [Fact]
    public async Task Predict_FailsWithUsageError_WhenNoImageGiven()
    {
        var run = await CliRunner.RunAsync("predict", "--model", "x.ckpt");

        run.AssertCleanFailure(2, "argument");
    }
}
