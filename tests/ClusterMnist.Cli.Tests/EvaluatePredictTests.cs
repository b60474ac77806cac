using System.Globalization;

namespace ClusterMnist.Cli.Tests;

public class EvaluatePredictTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public async Task Evaluate_ReportsTheAccuracyTrainReported()
    {
        var run = await CliRunner.RunAsync("evaluate", "--model", model.CheckpointPath, "--data", model.Data.Root, "--dataset", "mnist");

        Assert.True(run.ExitCode == 0, run.Error);
        var accuracy = model.Summary.GetProperty("test_accuracy").GetDouble();
        Assert.Contains($"accuracy {accuracy.ToString("P2", CultureInfo.InvariantCulture)}", run.Output);
        Assert.Contains("precision", run.Output);
        Assert.Contains("recall", run.Output);
        Assert.Contains("rows: actual class", run.Output);
    }

    [Fact]
    public async Task Evaluate_NeedsOnlyTheTestFiles()
    {
        // A data root with the t10k files and no training files: evaluating must neither read nor fetch the latter.
        var root = model.Data.File("test-only");
        Directory.CreateDirectory(Path.Combine(root, "mnist"));
        foreach (var file in Directory.GetFiles(Path.Combine(model.Data.Root, "mnist"), "t10k-*"))
        {
            File.Copy(file, Path.Combine(root, "mnist", Path.GetFileName(file)));
        }

        var run = await CliRunner.RunAsync("evaluate", "--model", model.CheckpointPath, "--data", root, "--dataset", "mnist");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("downloading", run.Output, StringComparison.OrdinalIgnoreCase);
        var accuracy = model.Summary.GetProperty("test_accuracy").GetDouble();
        Assert.Contains($"accuracy {accuracy.ToString("P2", CultureInfo.InvariantCulture)}", run.Output);
    }

    [Fact]
    public async Task Predict_PrintsDigitAndTenProbabilities_ForEachImage()
    {
        var first = WritePgm(model.Data.File("first.pgm"), 0);
        var second = WritePgm(model.Data.File("second.pgm"), 1);

        var run = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, first, second);

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.OutputLines;
        Assert.Equal(4, lines.Length);
        Assert.StartsWith($"{first}: ", lines[0]);
        Assert.StartsWith($"{second}: ", lines[2]);
        foreach (var probabilities in new[] { lines[1], lines[3] })
        {
            var values = probabilities.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => double.Parse(p[2..], CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(10, values.Length);
            Assert.InRange(values.Sum(), 0.99, 1.01);
        }
    }

    [Fact]
    public async Task Predict_ClassifiesPgmAndCsvRowImages_LikeTheTestSet()
    {
        var paths = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            paths.Add(WritePgm(model.Data.File($"class{i}.pgm"), i));
        }

        var csv = model.Data.File("row.csv");
        await File.WriteAllTextAsync(csv, string.Join(",", model.Data.TestPixels.AsSpan(3 * 784, 784).ToArray()) + "\n");
        paths.Add(csv);

        var run = await CliRunner.RunAsync(["predict", "--model", model.CheckpointPath, .. paths]);

        Assert.True(run.ExitCode == 0, run.Error);
        var predicted = Enumerable.Range(0, paths.Count)
            .Select(i => int.Parse(run.OutputLines[2 * i][(paths[i].Length + 2)..].Split(' ')[0], CultureInfo.InvariantCulture))
            .ToArray();
        var expected = Enumerable.Range(0, 10).Select(i => (int)model.Data.TestLabels[i]).Append(model.Data.TestLabels[3]).ToArray();
        Assert.Equal(expected, predicted);
    }

    [Fact]
    public async Task Predict_ReportsBadImageOnOneLine_AndStillClassifiesTheOthers()
    {
        var good = WritePgm(model.Data.File("good.pgm"), 2);
        var bad = model.Data.File("bad.png");
        await File.WriteAllTextAsync(bad, "this is not a png");

        var run = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, bad, good);

        run.AssertCleanFailure(1, "bad.png");
        Assert.StartsWith($"{good}: ", run.OutputLines[0]);
    }

    [Fact]
    public async Task Predict_FailsCleanly_WhenImageIsMissing()
    {
        var run = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, model.Data.File("nowhere.png"));

        run.AssertCleanFailure(1, "nowhere.png");
    }

    [Fact]
    public async Task EvaluateAndPredict_RefuseACheckpointWithNaNParameters()
    {
        // Such a checkpoint once evaluated to 10 % accuracy.
        var state = ClusterMnist.Core.Training.Checkpoint.Read(model.CheckpointPath);
        state.Parameters[5] = float.NaN;
        var broken = model.Data.File("nan.ckpt");
        ClusterMnist.Core.Training.Checkpoint.Write(broken, state);

        var evaluate = await CliRunner.RunAsync("evaluate", "--model", broken, "--data", model.Data.Root, "--dataset", "mnist");
        var predict = await CliRunner.RunAsync("predict", "--model", broken, WritePgm(model.Data.File("for-nan.pgm"), 0));

        evaluate.AssertCleanFailure(1, "parameter 5 of");
        predict.AssertCleanFailure(1, "is NaN");
    }

    [Theory]
    [InlineData("/dev/zero", "is not a regular file")]
    [InlineData("/dev/urandom", "is not a regular file")]
    [InlineData("/tmp", "is a directory")]
    public async Task Predict_RefusesSpecialFiles_AtOnce(string path, string reason)
    {
        // `predict m.ckpt /dev/zero` once read for 18 s up to 4.2 GB and died of an OutOfMemoryException.
        var good = WritePgm(model.Data.File("beside-special.pgm"), 4);

        var run = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, path, good);

        run.AssertCleanFailure(1, $"{path}: {reason}");
        Assert.StartsWith($"{good}: ", run.OutputLines[0]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    public async Task Predict_SaysBlank_ForAnAllBlackOrAllWhiteImage(byte level)
    {
        // An all-black 28×28 image was classified as 1 with 11 % confidence; white was already "blank".
        var blank = model.Data.File($"blank-{level}.pgm");
        using (var stream = File.Create(blank))
        {
            stream.Write("P5\n28 28\n255\n"u8);
            stream.Write(Enumerable.Repeat(level, 784).ToArray());
        }

        var run = await CliRunner.RunAsync("predict", "--model", model.CheckpointPath, blank);

        run.AssertCleanFailure(1, "the image is blank");
    }

    private string WritePgm(string path, int index)
    {
        var pixels = model.Data.TestPixels.AsSpan(index * 784, 784);
        using var stream = File.Create(path);
        stream.Write("P5\n28 28\n255\n"u8);
        stream.Write(pixels);
        return path;
    }
}
