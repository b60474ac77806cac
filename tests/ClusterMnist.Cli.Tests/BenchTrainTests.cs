using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

public class BenchTrainTests
{
    [Fact]
    public async Task BenchTrain_PrintsSamplesPerSecond_AsJson()
    {
        var run = await CliRunner.RunAsync("bench", "train", "--model", "784-32-10", "--batch", "64", "--steps", "3", "--workers", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var line = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal(3, line.GetProperty("steps").GetInt32());
        Assert.True(line.GetProperty("samples_per_second").GetDouble() > 0);
    }

    [Fact]
    public async Task BenchTrain_ReportsFractionOfPeak_AndTheStepSplit()
    {
        var run = await CliRunner.RunAsync("bench", "train", "--model", "784-32-10", "--batch", "64", "--steps", "3", "--warmup", "1",
            "--rounds", "1", "--workers", "1", "--trainer", "local", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var line = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal(4 * 784 * 32 + 6 * 32 * 10, line.GetProperty("flops_per_sample").GetInt64());
        Assert.True(line.GetProperty("peak_gflops").GetDouble() > 0);
        double rate = line.GetProperty("samples_per_second").GetDouble();
        Assert.Equal(rate * line.GetProperty("flops_per_sample").GetInt64() / 1e9, line.GetProperty("gflops").GetDouble(), 0.01);
        Assert.InRange(line.GetProperty("fraction_of_peak").GetDouble(), 1e-6, 10);
        var split = line.GetProperty("step_split_ms");
        string[] parts = ["gemm", "activation_and_bias", "loss", "dropout", "quantization", "optimizer", "gather", "hand_offs"];
        Assert.True(split.GetProperty("gemm").GetDouble() > 0);
        Assert.True(split.GetProperty("optimizer").GetDouble() > 0);
        // The parts add up to the step (each rounded to a microsecond).
        Assert.Equal(split.GetProperty("step").GetDouble(), parts.Sum(p => split.GetProperty(p).GetDouble()), 0.01);
    }

    [Fact]
    public async Task BenchTrain_BothTrainers_PrintsOneLinePerTrainerAndWorkerCount_WithRatios()
    {
        var run = await CliRunner.RunAsync("bench", "train", "--model", "784-32-10", "--batch", "64", "--steps", "2", "--warmup", "1",
            "--rounds", "3", "--workers", "1,2", "--trainer", "both", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(["local/1", "local/2", "cluster/1", "cluster/2"],
            lines.Select(l => $"{l.GetProperty("trainer").GetString()}/{l.GetProperty("workers").GetInt32()}"));
        Assert.All(lines, l => Assert.Equal(3, l.GetProperty("round_samples_per_second").GetArrayLength()));
        Assert.All(lines, l => Assert.True(l.GetProperty("speedup_vs_first_workers").GetDouble() > 0));
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("relative_to_local").ValueKind);
        Assert.True(lines[3].GetProperty("relative_to_local").GetDouble() > 0);
    }

    [Theory]
    [InlineData("1,0")]
    [InlineData("1,1")]
    [InlineData("2000")]
    public async Task BenchTrain_RejectsABadWorkerList(string workers)
    {
        // 2000 once started 2000 worker actors and ignored Ctrl+C for over a minute; train allows 1-1024.
        var run = await CliRunner.RunAsync("bench", "train", "--workers", workers);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--workers must be a comma-separated list of distinct counts from 1 to 1024", run.Error, StringComparison.Ordinal);
    }
}
