using System.Text.Json;
using System.Xml.Linq;

namespace ClusterMnist.Cli.Tests;

public class TrainCommandTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void Train_EndsWithOneJsonObject_WithTheSummaryFields()
    {
        var summary = model.Summary;

        Assert.Equal(
            ["test_accuracy", "epochs", "train_seconds", "samples_per_second", "workers", "param_sha256"],
            summary.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(3, summary.GetProperty("epochs").GetInt32());
        Assert.Equal(2, summary.GetProperty("workers").GetInt32());
        Assert.True(summary.GetProperty("train_seconds").GetDouble() > 0);
        Assert.True(summary.GetProperty("samples_per_second").GetDouble() > 0);
        Assert.Matches("^[0-9a-f]{64}$", summary.GetProperty("param_sha256").GetString());
    }

    [Fact]
    public void Train_LearnsTheTinySet()
    {
        Assert.True(model.Summary.GetProperty("test_accuracy").GetDouble() >= 0.9, model.Run.Output);
    }

    [Fact]
    public void Train_PrintsEpochLinesAndSummaryTable_WhenNotOnATerminal()
    {
        var output = model.Run.Output;

        Assert.Contains("epoch 1/3", output);
        Assert.Contains("epoch 3/3", output);
        Assert.Contains("train loss", output);
        Assert.Contains("samples/s", output);
        Assert.DoesNotContain("\u001b[", output); // no ANSI escapes in a log
        Assert.Empty(model.Run.Error);
    }

    [Fact]
    public void Train_WritesPlotWithOnePointPerEpoch()
    {
        XNamespace svg = "http://www.w3.org/2000/svg";
        var document = XDocument.Load(model.PlotPath);

        var lines = document.Descendants(svg + "polyline").ToList();
        Assert.Equal(4, lines.Count);
        Assert.All(lines, l => Assert.Equal(3, ((string)l.Attribute("points")!).Split(' ').Length));
        Assert.Equal(100, document.Descendants(svg + "rect").Count(r => (string?)r.Attribute("class") == "cell"));
    }

    [Fact]
    public async Task Train_GivesSameParameters_ForAnyWorkerCount()
    {
        var run = await CliRunner.RunAsync(TinyModelFixture.TrainArgs(model.Data.Root, workers: 1, extra: "--json"));

        Assert.Equal(0, run.ExitCode);
        var summary = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal(model.Summary.GetProperty("param_sha256").GetString(), summary.GetProperty("param_sha256").GetString());
    }

    [Fact]
    public async Task Train_RefusesRunSettingsWithResume_InsteadOfIgnoringThem()
    {
        var run = await CliRunner.RunAsync("train", "--data", model.Data.Root, "--resume", model.CheckpointPath, "--epochs", "40", "--lr", "0.1");

        run.AssertCleanFailure(2, "--lr, --epochs cannot change it");
    }

    [Fact]
    public async Task Train_SaysAMissingResumeCheckpointIsMissing_BeforeLoadingData()
    {
        string absent = model.Data.File("absent-resume.ckpt");

        var run = await CliRunner.RunAsync("train", "--data", model.Data.File("no-data-here"), "--resume", absent);

        run.AssertCleanFailure(1, $"the checkpoint '{absent}' does not exist");
    }

    [Fact]
    public async Task Train_ResumesFinishedCheckpoint_WithSameParametersAndHistory()
    {
        var copy = model.Data.File("resume-copy.ckpt");
        File.Copy(model.CheckpointPath, copy);

        var plot = model.Data.File("resume-copy.svg");
        var run = await CliRunner.RunAsync("train", "--data", model.Data.Root, "--resume", copy, "--workers", "1", "--plot", plot, "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"Resuming {copy}", run.Output);
        // The plot names the checkpoint's network, not the default one.
        string svg = await File.ReadAllTextAsync(plot);
        Assert.Contains("784-32-10", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("784-256-128-10", svg, StringComparison.Ordinal);
        var summary = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal(3, summary.GetProperty("epochs").GetInt32());
        Assert.Equal(model.Summary.GetProperty("param_sha256").GetString(), summary.GetProperty("param_sha256").GetString());
        Assert.Equal(model.Summary.GetProperty("test_accuracy").GetDouble(), summary.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public async Task Train_RunsPresetSeed_WithFullBatchSteps()
    {
        var run = await CliRunner.RunAsync("train", "--data", model.Data.Root, "--preset", "seed", "--epochs", "4", "--workers", "1", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("784-10-10", run.Output);
        Assert.Contains("batch 600", run.Output); // the whole tiny training set
        Assert.Equal(4, JsonDocument.Parse(run.LastOutputLine).RootElement.GetProperty("epochs").GetInt32());
    }
}
