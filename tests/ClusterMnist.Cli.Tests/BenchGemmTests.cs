using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

public class BenchGemmTests
{
    [Fact]
    public async Task BenchGemm_PrintsOneJsonLinePerShape_WithFractionOfPeak()
    {
        var run = await CliRunner.RunAsync("bench", "gemm", "--model", "784-16-10", "--batch", "64", "--duration-ms", "20", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

        // Per batch (64, then the 32-row micro-shard): forward and weight gradient of both layers, input gradient of the second.
        Assert.Equal(10, lines.Count);
        Assert.All(lines, l => Assert.InRange(l.GetProperty("fraction_of_peak").GetDouble(), 1e-6, 10));
        Assert.All(lines, l => Assert.True(l.GetProperty("peak_gflops").GetDouble() > 0));
        Assert.Equal(5, lines.Count(l => l.GetProperty("batch").GetInt32() == 32));
        var input = Assert.Single(lines, l => l.GetProperty("form").GetString() == "BackwardInput" && l.GetProperty("batch").GetInt32() == 32);
        Assert.Equal("16->10", input.GetProperty("layer").GetString());
        Assert.Equal([32, 16, 10], new[] { "m", "n", "k" }.Select(p => input.GetProperty(p).GetInt32()));
    }

    [Fact]
    public async Task BenchGemm_PrintsPeakAndTable_WithoutJson()
    {
        var run = await CliRunner.RunAsync("bench", "gemm", "--model", "784-16-10", "--batch", "32", "--duration-ms", "10");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith("FMA peak, one core, ", run.OutputLines[0]);
        Assert.Contains("of peak", run.Output);
        Assert.Contains("32×16×10", run.Output);
    }

    [Fact]
    public async Task BenchGemm_FailsWithUsageError_WhenModelIsBad()
    {
        var run = await CliRunner.RunAsync("bench", "gemm", "--model", "784-x-10");

        run.AssertCleanFailure(2, "784-x-10");
    }
}
