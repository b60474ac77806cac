using ClusterMnist.Core.Export;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;
using ClusterMnist.Tests.Shared.Onnx;

namespace ClusterMnist.Cli.Tests;

public sealed class ExportCommandTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task Export_WritesAModel_ThatOnnxRuntimeRunsLikeTheCheckpoint()
    {
        string path = model.Data.File("tiny.onnx");

        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath, "--onnx", path, "--dataset", "mnist");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith($"Wrote {path} (", run.OutputLines[0], StringComparison.Ordinal);
        var state = Checkpoint.Read(model.CheckpointPath);
        var spec = ModelSpec.Parse(state.Model);
        int rows = model.Data.TestLabels.Length;
        var inputs = model.Data.TestPixels.Select(p => p / 255f).ToArray();
        var network = new Network(spec);
        var expected = new float[rows * spec.OutputSize];
        network.Predict(state.Parameters, inputs, rows, expected, network.CreateWorkspace(rows));

        using var onnx = new OnnxRuntimeModel(await File.ReadAllBytesAsync(path));
        var actual = onnx.Run(OnnxExporter.InputName, OnnxExporter.OutputName, inputs, rows, spec.InputSize);

        var agreement = ProbabilityAgreement.Compare(expected, actual, rows, spec.OutputSize);
        Assert.True(agreement.MaxAbsoluteDifference <= 1e-5, agreement.ToString());
        Assert.Equal(0, agreement.ArgmaxMismatches);
        var metadata = onnx.Metadata.CustomMetadataMap;
        Assert.Equal(model.Summary.GetProperty("param_sha256").GetString(), metadata[OnnxMetadataKeys.ParametersSha256]);
        Assert.Equal(state.Model, metadata[OnnxMetadataKeys.ModelSpec]);
        Assert.Equal("mnist", metadata[OnnxMetadataKeys.Dataset]);
        Assert.Equal(state.TrainFingerprint, metadata[OnnxMetadataKeys.TrainFingerprint]);
        Assert.Equal(state.GlobalStep.ToString(System.Globalization.CultureInfo.InvariantCulture), metadata[OnnxMetadataKeys.TrainingStep]);
    }

    [Fact]
    public async Task Export_RecordsTheCheckpointsDataset_WithoutDataset()
    {
        string path = model.Data.File("checkpoint-dataset.onnx");

        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath, "--onnx", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("not recorded", run.Output, StringComparison.Ordinal);
        using var onnx = new OnnxRuntimeModel(await File.ReadAllBytesAsync(path));
        Assert.Equal("mnist", onnx.Metadata.CustomMetadataMap[OnnxMetadataKeys.Dataset]);
    }

    [Fact]
    public async Task Export_RefusesADatasetOtherThanTheCheckpoints()
    {
        string path = model.Data.File("wrong-dataset.onnx");

        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath, "--onnx", path, "--dataset", "fashion");

        run.AssertCleanFailure(2, "trained on mnist");
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Export_SaysTheDatasetIsNotRecorded_ForACheckpointWithoutOne()
    {
        // As format-1 checkpoints read: no data set name.
        string unrecorded = model.Data.File("unrecorded.ckpt");
        Checkpoint.Write(unrecorded, Checkpoint.Read(model.CheckpointPath) with { Dataset = null });
        string path = model.Data.File("no-dataset.onnx");

        var run = await CliRunner.RunAsync("export", "--model", unrecorded, "--onnx", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("--dataset", run.OutputLines[^1], StringComparison.Ordinal);
        using var onnx = new OnnxRuntimeModel(await File.ReadAllBytesAsync(path));
        Assert.False(onnx.Metadata.CustomMetadataMap.ContainsKey(OnnxMetadataKeys.Dataset));
    }

    [Fact]
    public async Task Export_FailsWithOneLine_ForADamagedCheckpoint()
    {
        string damaged = model.Data.File("damaged.ckpt");
        var bytes = await File.ReadAllBytesAsync(model.CheckpointPath);
        bytes[^40] ^= 0xFF;
        await File.WriteAllBytesAsync(damaged, bytes);
        string path = model.Data.File("damaged.onnx");

        var run = await CliRunner.RunAsync("export", "--model", damaged, "--onnx", path);

        run.AssertCleanFailure(1, "corrupted");
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Export_RefusesToWriteOverTheCheckpointItReads()
    {
        string checkpoint = model.Data.File("self.ckpt");
        File.Copy(model.CheckpointPath, checkpoint, overwrite: true);
        var before = await File.ReadAllBytesAsync(checkpoint);

        var run = await CliRunner.RunAsync("export", "--model", checkpoint, "--onnx", checkpoint);

        run.AssertCleanFailure(2, "is the checkpoint itself");
        Assert.Equal(before, await File.ReadAllBytesAsync(checkpoint));
    }

    [Fact]
    public async Task Export_FailsWithOneLine_WhenTheCheckpointIsMissing()
    {
        var run = await CliRunner.RunAsync("export", "--model", model.Data.File("absent.ckpt"), "--onnx", model.Data.File("absent.onnx"));

        run.AssertCleanFailure(1, "absent.ckpt");
    }

    [Fact]
    public async Task Export_CreatesAMissingOutputFolder_AsTrainDoesForItsCheckpoint()
    {
        string path = Path.Combine(model.Data.File("no-such-folder"), "deeper", "model.onnx");

        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath, "--onnx", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(new FileInfo(path).Length > 0);
    }

    [Fact]
    public async Task Export_FailsNamingOnnx_WhenAFileStandsWhereItsFolderShouldBe()
    {
        string notAFolder = model.Data.File("notes-export.txt");
        await File.WriteAllTextAsync(notAFolder, "notes");

        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath, "--onnx", Path.Combine(notAFolder, "model.onnx"));

        run.AssertCleanFailure(1, $"--onnx '{Path.Combine(notAFolder, "model.onnx")}': cannot write in the folder '{notAFolder}': '{notAFolder}' is a file, not a folder.");
        Assert.Equal("notes", await File.ReadAllTextAsync(notAFolder));
    }

    [Fact]
    public async Task Export_RefusesAFolderAsItsOutput_AsAUsageError()
    {
        string folder = Directory.CreateDirectory(model.Data.File("a-folder.onnx")).FullName;

        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath, "--onnx", folder);

        run.AssertCleanFailure(2, $"--onnx '{folder}' is a folder; give a file name, e.g. {Path.Combine(folder, "model.onnx")}.");
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public async Task Export_IsAUsageError_WithoutOnnx()
    {
        var run = await CliRunner.RunAsync("export", "--model", model.CheckpointPath);

        run.AssertCleanFailure(2, "--onnx");
    }
}
