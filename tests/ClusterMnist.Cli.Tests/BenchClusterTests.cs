using System.Diagnostics;
using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

/// <summary>`bench cluster` against real worker processes: one JSON line per worker count, traffic about 2× the parameters.</summary>
[Collection(nameof(ClusterProcessTests))]
public class BenchClusterTests
{
    [Fact]
    public async Task BenchCluster_PrintsOneLinePerWorkerCount_WithTrafficAboutTwiceTheParameters()
    {
        var run = await CliRunner.RunAsync("bench", "cluster", "--workers", "1,2", "--model", "784-32-10", "--batch", "128", "--steps", "4",
            "--warmup", "1", "--json");

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var lines = run.OutputLines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal([1, 2], lines.Select(line => line.GetProperty("workers").GetInt32()));
        Assert.Equal(1.0, lines[0].GetProperty("speedup").GetDouble());
        Assert.All(lines, line =>
        {
            Assert.Equal(4, line.GetProperty("steps").GetInt32());
            Assert.Equal(4L * ((784 * 32) + 32 + (32 * 10) + 10), line.GetProperty("parameter_bytes").GetInt64());
            Assert.InRange(line.GetProperty("bytes_ratio").GetDouble(), 1.9, 2.1);
            Assert.True(line.GetProperty("samples_per_second").GetDouble() > 0);
            Assert.True(line.GetProperty("compute_ms").GetDouble() > 0);
        });

        // Every worker process it started has exited.
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p).Contains("bench-w", StringComparison.Ordinal));
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
