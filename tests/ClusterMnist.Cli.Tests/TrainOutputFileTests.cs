namespace ClusterMnist.Cli.Tests;

/// <summary>
/// The files `train` writes late (the checkpoint at each epoch end, the plot at the end) are checked before any work:
/// a bad path once failed after the whole run, losing its summary, and a plot named like the checkpoint replaced it.
/// </summary>
public sealed class TrainOutputFileTests : IDisposable
{
    private readonly TinyDataset _data = new(trainCount: 200, testCount: 50);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Train_RefusesAPlotNamedLikeTheCheckpoint_BeforeTraining()
    {
        var file = _data.File("same.x");

        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "1", "--checkpoint", file, "--plot", file);

        run.AssertCleanFailure(2, "--plot");
        Assert.Contains("--checkpoint", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Train_RefusesAPlotOverTheResumedCheckpoint_AndLeavesItIntact()
    {
        var checkpoint = _data.File("run.ckpt");
        var first = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "2", "--checkpoint", checkpoint);
        Assert.True(first.ExitCode == 0, first.Error);
        var before = await File.ReadAllBytesAsync(checkpoint);

        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--resume", checkpoint, "--plot", Path.Combine(_data.Root, ".", "run.ckpt"));

        run.AssertCleanFailure(2, "--resume and --plot");
        Assert.Equal(before, await File.ReadAllBytesAsync(checkpoint));
    }

    [Fact]
    public async Task Train_RefusesAPlotItCannotWrite_BeforeTraining()
    {
        // A regular file where the plot's folder should be: unwritable even for root, unlike a read-only folder.
        var notAFolder = _data.File("notes.txt");
        await File.WriteAllTextAsync(notAFolder, "notes");

        var run = await CliRunner.RunAsync(
            "train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "1", "--plot", Path.Combine(notAFolder, "run.svg"), "--json");

        run.AssertCleanFailure(1, "--plot");
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_RefusesACheckpointItCannotWrite_BeforeTraining()
    {
        var notAFolder = _data.File("notes.txt");
        await File.WriteAllTextAsync(notAFolder, "notes");

        var run = await CliRunner.RunAsync(
            "train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "1", "--checkpoint", Path.Combine(notAFolder, "run.ckpt"));

        run.AssertCleanFailure(1, "--checkpoint");
        Assert.DoesNotContain("epoch", run.Output, StringComparison.Ordinal);
        Assert.Equal("notes", await File.ReadAllTextAsync(notAFolder));
    }

    [Fact]
    public async Task Train_NamesTheResumedCheckpoint_WhenResumeAndOverwriteContradict()
    {
        var checkpoint = _data.File("resumed.ckpt");

        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--resume", checkpoint, "--overwrite-checkpoint");

        run.AssertCleanFailure(2, $"--resume {checkpoint} and --overwrite-checkpoint contradict");
    }

    [Fact]
    public async Task Train_CancelledBeforeItsFirstCheckpoint_DoesNotOfferTheEarlierRunsFile()
    {
        var checkpoint = _data.File("earlier.ckpt");
        await File.WriteAllTextAsync(checkpoint, "an earlier run's checkpoint");
        using var cancellation = new CancellationTokenSource();
        using var output = new CancellingWriter("Training ", cancellation);
        using var error = new StringWriter();

        var exitCode = await CliApp.RunAsync(
            TinyModelFixture.TrainArgs(_data.Root, epochs: 3, extra: ["--checkpoint", checkpoint, "--overwrite-checkpoint"]), output, error, cancellation.Token);

        var run = new CliRun(exitCode, output.ToString(), error.ToString());
        run.AssertCleanFailure(130, "cancelled");
        Assert.DoesNotContain("--resume", run.Error, StringComparison.Ordinal);
        Assert.Equal("an earlier run's checkpoint", await File.ReadAllTextAsync(checkpoint));
    }
}
