using System.Diagnostics;
using System.Text.Json;
using ClusterMnist.Cli.Commands;

namespace ClusterMnist.Cli.Tests;

/// <summary>`bench cluster` against real worker processes: one JSON line per worker count, traffic about 2× the parameters over TLS streams.</summary>
[Collection(nameof(ClusterProcessTests))]
public class BenchClusterTests
{
    [Fact]
    public async Task BenchCluster_OverTlsStreams_PrintsOneLinePerWorkerCount_WithTrafficAboutTwiceTheParameters()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "1,2", "--model", "784-32-10", "--batch", "128", "--steps", "4",
            "--warmup", "1", "--no-shared-memory", "--json");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var lines = run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal([1, 2], lines.Select(line => line.GetProperty("workers").GetInt32()));
        Assert.Equal(1.0, lines[0].GetProperty("speedup").GetDouble());
        Assert.All(lines, line =>
        {
            Assert.Equal(4, line.GetProperty("steps").GetInt32());
            Assert.Equal(4L * ((784 * 32) + 32 + (32 * 10) + 10), line.GetProperty("parameter_bytes").GetInt64());
            Assert.InRange(line.GetProperty("bytes_ratio").GetDouble(), 1.9, 2.1);
            Assert.Equal("tcp-stream+tls", line.GetProperty("transport").GetString());
            Assert.True(line.GetProperty("samples_per_second").GetDouble() > 0);
            Assert.True(line.GetProperty("compute_ms").GetDouble() > 0);
        });

        // Every worker process it started has exited.
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p).Contains("bench-w", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BenchCluster_ByDefault_MovesTheTensorsOfItsLocalWorkersThroughSharedMemory()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "2", "--model", "784-32-10", "--batch", "128", "--steps", "4",
            "--warmup", "1", "--json");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var line = JsonDocument.Parse(run.OutputLines.Single()).RootElement;
        Assert.Equal("shared-memory+tls", line.GetProperty("transport").GetString());
        // Only shard lists, sample indices and per-shard numbers cross between the nodes: a few hundred bytes per worker and step.
        Assert.InRange(line.GetProperty("bytes_per_step_per_worker").GetDouble(), 1, 0.05 * line.GetProperty("parameter_bytes").GetInt64());
        Assert.Equal(4, line.GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task BenchCluster_WithNoTls_MeasuresPlainStreams_AndSaysSo()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "1", "--model", "784-32-10", "--batch", "128", "--steps", "4",
            "--warmup", "1", "--no-shared-memory", "--no-tls", "--json");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var line = JsonDocument.Parse(run.OutputLines.Single()).RootElement;
        Assert.Equal("tcp-stream", line.GetProperty("transport").GetString());
        Assert.InRange(line.GetProperty("bytes_ratio").GetDouble(), 1.9, 2.1);
    }

    [Fact]
    public async Task BenchCluster_WithRounds_RepeatsTheListAndEndsWithTheMedians()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "1", "--rounds", "2", "--model", "784-32-10", "--batch", "128", "--steps", "4",
            "--warmup", "1", "--json");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var lines = run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(3, lines.Length);
        Assert.Equal([1, 2], lines[..2].Select(line => line.GetProperty("round").GetInt32()));
        var summary = lines[2];
        Assert.Equal("cluster-summary", summary.GetProperty("benchmark").GetString());
        Assert.Equal(1, summary.GetProperty("workers").GetInt32());
        Assert.Equal(2, summary.GetProperty("measurements").GetInt32());
        double expected = (lines[0].GetProperty("samples_per_second").GetDouble() + lines[1].GetProperty("samples_per_second").GetDouble()) / 2;
        Assert.Equal(expected, summary.GetProperty("samples_per_second_median").GetDouble(), 0.1);
        Assert.Equal(1.0, summary.GetProperty("speedup_median").GetDouble());
    }

    [Fact]
    public async Task BenchCluster_WithRounds_MarksEachRoundInTheTable()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "1", "--rounds", "2", "--model", "784-32-10", "--batch", "128", "--steps", "4",
            "--warmup", "1");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var lines = run.OutputLines.ToList();
        int round1 = lines.IndexOf("round 1/2"), round2 = lines.IndexOf("round 2/2");
        int median = lines.FindIndex(line => line.StartsWith("median of 2 rounds", StringComparison.Ordinal));
        Assert.True(round1 >= 0 && round1 < round2 && round2 < median, run.Output);
        Assert.Contains("over 2 runs", lines[median + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void Summarize_TakesPerCountMediansOfSpeedupsOverEachRoundsFirstCount()
    {
        static ClusterBenchmarkLine Line(int workers, double samplesPerSecond, double speedup, int round) =>
            new("cluster", "784-32-10", 128, workers, 1, 4, 1.0, samplesPerSecond, speedup, 2000, 1000, 2.0, 3.0, 1.0, 0.1, 0.0, 0.5, 2, round);

        ClusterBenchmarkLine[] lines =
        [
            Line(1, 100, 1.0, 1), Line(2, 150, 1.5, 1),
            Line(1, 120, 1.0, 2), Line(2, 168, 1.4, 2),
            Line(1, 90, 1.0, 3), Line(2, 153, 1.9, 3),
            Line(1, 140, 1.0, 4), Line(2, 176, 1.6, 4),
        ];

        var summaries = BenchClusterCommand.Summarize(lines, rounds: 4).ToArray();

        Assert.Equal([1, 2], summaries.Select(s => s.Workers));
        Assert.Equal(110, summaries[0].SamplesPerSecondMedian); // the mean would be 112.5
        Assert.Equal(1.0, summaries[0].SpeedupMedian);
        Assert.Equal(160.5, summaries[1].SamplesPerSecondMedian); // the mean would be 161.75
        Assert.Equal(1.55, summaries[1].SpeedupMedian, 1e-9); // the mean would be 1.6
        Assert.Equal(1.4, summaries[1].SpeedupMin);
        Assert.Equal(1.9, summaries[1].SpeedupMax);
        Assert.Equal(4, summaries[1].Measurements);
    }

    [Fact]
    public async Task BenchCluster_RefusesZeroRounds()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--rounds", "0");
        run.AssertCleanFailure(2, "--rounds");
    }

    [Fact]
    public async Task BenchCluster_RefusesABadWorkerList()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "1,x");
        run.AssertCleanFailure(2, "--workers");
    }

    private static string SafeCommandLine(Process process)
    {
        try
        {
            return File.ReadAllText($"/proc/{process.Id}/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
        finally
        {
            process.Dispose();
        }
    }
}
