using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// Checkpoints record the data set they were trained on, so `train --resume`, `evaluate` and `export` use it without
/// being told. `train --resume fashion.ckpt` once loaded (or downloaded) MNIST and then failed on the fingerprint, and
/// `evaluate` scored a Fashion-MNIST model on the MNIST test set without a word.
/// </summary>
public sealed class RecordedDatasetTests : IDisposable
{
    private readonly TinyDataset _data = new(trainCount: 200, testCount: 50);

    public RecordedDatasetTests()
    {
        // The same images under fashion-mnist/: a run can train on "fashion" here, and only the recorded name can
        // tell the two apart (the fingerprints match).
        var fashion = Directory.CreateDirectory(_data.File("fashion-mnist")).FullName;
        foreach (var file in Directory.GetFiles(_data.File("mnist")))
        {
            File.Copy(file, Path.Combine(fashion, Path.GetFileName(file)));
        }
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Checkpoint_RecordsTheDataset_AndResumeTrainsOnItWithoutDataset()
    {
        var checkpoint = await TrainFashionAsync(epochs: 1, totalEpochs: 2);
        Assert.Equal("fashion", Checkpoint.Read(checkpoint).Dataset);

        var resumed = await CliRunner.RunAsync("train", "--data", _data.Root, "--resume", checkpoint);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("on fashion (", resumed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_RefusesADatasetOtherThanTheCheckpoints()
    {
        var checkpoint = await TrainFashionAsync(epochs: 1, totalEpochs: 2);
        var before = await File.ReadAllBytesAsync(checkpoint);

        var run = await CliRunner.RunAsync("train", "--data", _data.Root, "--dataset", "mnist", "--resume", checkpoint);

        run.AssertCleanFailure(2, "continues a run on fashion");
        Assert.Equal(before, await File.ReadAllBytesAsync(checkpoint));
    }

    [Fact]
    public async Task Evaluate_UsesTheCheckpointsDataset_AndNotesAnotherOneAskedFor()
    {
        var checkpoint = await TrainFashionAsync(epochs: 1, totalEpochs: 1);

        var recorded = await CliRunner.RunAsync("evaluate", "--model", checkpoint, "--data", _data.Root);
        var asked = await CliRunner.RunAsync("evaluate", "--model", checkpoint, "--data", _data.Root, "--dataset", "mnist");

        Assert.True(recorded.ExitCode == 0, recorded.Error);
        Assert.Contains("fashion test set", recorded.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Note:", recorded.Output, StringComparison.Ordinal);
        Assert.True(asked.ExitCode == 0, asked.Error);
        Assert.Contains("mnist test set", asked.Output, StringComparison.Ordinal);
        Assert.Contains("was trained on fashion; evaluating on mnist", asked.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_SaysSo_WhenTheCheckpointDoesNotRecordItsDataset()
    {
        var checkpoint = await TrainFashionAsync(epochs: 1, totalEpochs: 1);
        var unrecorded = _data.File("unrecorded.ckpt");
        Checkpoint.Write(unrecorded, Checkpoint.Read(checkpoint) with { Dataset = null });

        var run = await CliRunner.RunAsync("evaluate", "--model", unrecorded, "--data", _data.Root);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("does not record its data set", run.Output, StringComparison.Ordinal);
        Assert.Contains("mnist test set", run.Output, StringComparison.Ordinal);
    }

    private async Task<string> TrainFashionAsync(int epochs, int totalEpochs)
    {
        var checkpoint = _data.File($"fashion-{Guid.NewGuid():N}.ckpt");
        using var cancellation = new CancellationTokenSource();
        using var output = new CancellingWriter($"epoch {epochs}/{totalEpochs}", cancellation);
        using var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(
            ["train", "--data", _data.Root, "--dataset", "fashion", "--model", "784-8-10", "--batch", "50", "--epochs", $"{totalEpochs}", "--checkpoint", checkpoint],
            output, error, cancellation.Token);
        Assert.True(exitCode is 0 or 130, error.ToString());
        Assert.True(File.Exists(checkpoint), output.ToString());
        return checkpoint;
    }
}
