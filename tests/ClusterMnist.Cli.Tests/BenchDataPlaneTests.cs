using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

public class BenchDataPlaneTests
{
    [Fact]
    public async Task BenchDataPlane_MeasuresTlsAndPlaintextAlternately_AndSummarizes()
    {
        var run = await CliRunner.RunAsync("bench", "dataplane", "--bytes", "65536", "--steps", "5", "--warmup", "1", "--rounds", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(5, lines.Count);
        var measurements = lines[..4];
        Assert.Equal(["tls", "plaintext", "plaintext", "tls"], measurements.Select(l => l.GetProperty("security").GetString()));
        Assert.Equal([1, 1, 2, 2], measurements.Select(l => l.GetProperty("round").GetInt32()));
        Assert.All(measurements, l => Assert.True(l.GetProperty("median_ms").GetDouble() > 0));
        Assert.All(measurements.Where(l => l.GetProperty("security").GetString() == "tls"),
            l => Assert.StartsWith("Tls1", l.GetProperty("transport").GetString()));

        var summary = lines[4];
        Assert.Equal("dataplane-summary", summary.GetProperty("benchmark").GetString());
        Assert.Equal(65536, summary.GetProperty("bytes").GetInt32());
        Assert.True(summary.GetProperty("tls_over_plaintext").GetDouble() > 0);
        Assert.True(summary.GetProperty("tls_megabytes_per_second").GetDouble() > 0);
    }

    [Fact]
    public async Task BenchDataPlane_PrintsATableAndTheRatio_WithoutJson()
    {
        var run = await CliRunner.RunAsync("bench", "dataplane", "--bytes", "1000", "--steps", "3", "--warmup", "0", "--rounds", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith("1,000 bytes each way per step", run.OutputLines[0]);
        Assert.Contains(run.OutputLines, l => l.Contains("plaintext", StringComparison.Ordinal));
        Assert.StartsWith("median of 1 rounds: TLS ", run.LastOutputLine);
        Assert.Contains("TLS/plaintext", run.LastOutputLine);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1073741825")]
    public async Task BenchDataPlane_RefusesASizeNoFrameCarries_BeforeConnecting(string bytes)
    {
        var run = await CliRunner.RunAsync("bench", "dataplane", "--bytes", bytes, "--steps", "1", "--warmup", "0", "--rounds", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--bytes", run.Error, StringComparison.Ordinal);
        Assert.Contains("[1, 1073741824]", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.OutputLines);
    }
}
