namespace ClusterMnist.Cli.Tests;

/// <summary>
/// A new run never overwrites an earlier run's checkpoint unless told to. A coordinator restarted without --resume
/// once started at step 0 and replaced the earlier run's checkpoint at its first epoch end.
/// </summary>
public sealed class CheckpointGuardTests : IDisposable
{
    private readonly TinyDataset _data = new(trainCount: 200, testCount: 50);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Train_RefusesWithExit2_WhenTheCheckpointExistsAndIsNotResumed()
    {
        var checkpoint = _data.File("earlier.ckpt");
        var earlier = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "1", "--checkpoint", checkpoint);
        Assert.True(earlier.ExitCode == 0, earlier.Error);
        byte[] before = await File.ReadAllBytesAsync(checkpoint);

        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "2", "--checkpoint", checkpoint);

        run.AssertCleanFailure(2, checkpoint);
        Assert.Contains($"--resume {checkpoint}", run.Error, StringComparison.Ordinal);
        Assert.Contains("--overwrite-checkpoint", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(checkpoint));
    }

    [Fact]
    public async Task Train_StartsOver_WhenToldToOverwrite()
    {
        var checkpoint = _data.File("replaced.ckpt");
        await File.WriteAllTextAsync(checkpoint, "an earlier run's checkpoint");

        var run = await CliRunner.RunAsync(
            "train", "--data", _data.Root, "--model", "784-8-10", "--epochs", "1", "--checkpoint", checkpoint, "--overwrite-checkpoint", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.NotEqual("an earlier run's checkpoint", await File.ReadAllTextAsync(checkpoint));
    }

    [Fact]
    public async Task Coordinator_RefusesWithExit2_WhenTheCheckpointDirHoldsACheckpointAndResumeIsNotGiven()
    {
        var directory = Directory.CreateDirectory(_data.File("checkpoints")).FullName;
        var checkpoint = Path.Combine(directory, "coordinator.ckpt");
        await File.WriteAllTextAsync(checkpoint, "an earlier run's checkpoint");

        var run = await CliRunner.RunAsync(
            "coordinator", "--bind", "127.0.0.1", "--port", "0", "--insecure", "--cluster-port", "0", "--data-plane-port", "0", "--data", _data.Root,
            "--dataset", "mnist", "--checkpoint-dir", directory);

        run.AssertCleanFailure(2, checkpoint);
        Assert.Contains("--resume", run.Error, StringComparison.Ordinal);
        Assert.Contains("--overwrite-checkpoint", run.Error, StringComparison.Ordinal);
        Assert.Equal("an earlier run's checkpoint", await File.ReadAllTextAsync(checkpoint));
    }

    [Fact]
    public async Task Coordinator_RefusesResumeTogetherWithOverwrite()
    {
        var run = await CliRunner.RunAsync(
            "coordinator", "--insecure", "--data", _data.Root, "--checkpoint-dir", _data.File("c"), "--resume", "--overwrite-checkpoint");

        run.AssertCleanFailure(2, "contradict");
    }
}
