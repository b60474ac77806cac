using System.Text.Json;
using ClusterMnist.Cli.Commands;

namespace ClusterMnist.Cli.Tests;

/// <summary>The serving benchmarks run and report their fields; speed itself is never asserted here.</summary>
public class BenchServingTests
{
    [Fact]
    public async Task BenchPredict_PrintsImagesPerSecond_ForEachRowCount_AsJson()
    {
        var run = await CliRunner.RunAsync("bench", "predict", "--model", "784-32-10", "--rows", "3", "--rounds", "2", "--duration-ms", "20", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var line = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal("predict", line.GetProperty("benchmark").GetString());
        Assert.Equal(3, line.GetProperty("rows").GetInt32());
        Assert.True(line.GetProperty("images_per_second").GetDouble() > 0);
        Assert.True(line.GetProperty("best_images_per_second").GetDouble() >= line.GetProperty("images_per_second").GetDouble());
    }

    [Fact]
    public async Task BenchServe_PrintsRequestsPerSecondAndLatencies_AsJson()
    {
        var run = await CliRunner.RunAsync("bench", "serve", "--model", "784-32-10", "--connections", "2", "--seconds", "1", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var line = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal("httpclient", line.GetProperty("client").GetString());
        Assert.Equal(2, line.GetProperty("connections").GetInt32());
        Assert.Equal(0, line.GetProperty("errors").GetInt32());
        Assert.True(line.GetProperty("requests").GetInt64() > 0);
        Assert.True(line.GetProperty("requests_per_second").GetDouble() > 0);
        double median = line.GetProperty("median_ms").GetDouble();
        Assert.True(median > 0);
        Assert.True(line.GetProperty("p99_ms").GetDouble() >= median);
    }

    [Fact]
    public void WrkLoad_ReadsRateAndPercentiles_FromWrksLatencyReport()
    {
        const string report = """
            Running 10s test @ http://127.0.0.1:41234/api/predict
              2 threads and 16 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.31ms  612.00us  16.33ms   88.10%
                Req/Sec     6.15k   401.22     7.02k    71.00%
              Latency Distribution
                 50%    1.18ms
                 75%    1.52ms
                 90%    2.01ms
                 99%  850.00us
              122674 requests in 10.01s, 38.26MB read
              Non-2xx or 3xx responses: 3
            Requests/sec:  12244.10
            Transfer/sec:      3.82MB
            """;

        var summary = WrkLoad.Parse(report);

        Assert.Equal(122674, summary.Requests);
        Assert.Equal(3, summary.Errors);
        Assert.Equal(12244.10, summary.RequestsPerSecond, 2);
        Assert.Equal(1.18, summary.MedianMs, 6);
        Assert.Equal(0.85, summary.P99Ms, 6);
        Assert.Equal(16.33, summary.MaxMs, 6);
        Assert.Equal(10.01, summary.Seconds, 6);
    }

    [Fact]
    public void BenchServe_SendsOneImageOfInputSizePixels()
    {
        using var document = JsonDocument.Parse(BenchServeCommand.PixelsJson(784));

        var pixels = document.RootElement.GetProperty("pixels").EnumerateArray().Select(p => p.GetInt32()).ToArray();
        Assert.Equal(784, pixels.Length);
        Assert.Contains(0, pixels);
        Assert.Contains(255, pixels);
    }
}
