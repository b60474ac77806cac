using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Xunit.Abstractions;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

[CollectionDefinition(nameof(MemoryMeasured), DisableParallelization = true)]
public sealed class MemoryMeasured;

/// <summary>
/// The probe's decompression bombs, sent at once: each must get a 413 from its header, and this process's resident
/// memory (the server runs in it) must stay near where it was. Before the pixel budget, one 1 × 40,000,000 PNG took
/// 5.3 s and 1.2 GB, two took 5.3 GB. Run alone, so no other test's allocations show in the measurement.
/// </summary>
[Collection(nameof(MemoryMeasured))]
public sealed class DecompressionBombTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const long MiB = 1 << 20;

    private ServerHost? _host;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(TestModels.Snapshot(seed: 3, version: 1)), new InMemoryClusterStatus());
        _client = new HttpClient { BaseAddress = _host.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Predict_RefusesConcurrentBombsFromTheirHeaders_AndMemoryStaysNearItsBaseline()
    {
        byte[][] bombs =
        [
            PictureBombs.Png(1, 40_000_000, colorType: 0),
            PictureBombs.Png(1, 40_000_000, colorType: 0),
            PictureBombs.Png(6000, 6000, colorType: 6),
            PictureBombs.Png(6000, 6000, colorType: 6),
            PictureBombs.Png(6000, 6000, colorType: 6),
            PictureBombs.Png(6000, 6000, colorType: 6),
            PictureBombs.Jpeg(65000),
            PictureBombs.Jpeg(65000),
        ];
        output.WriteLine($"bomb sizes: {string.Join(", ", bombs.Select(b => $"{b.Length / 1024} KB"))}");
        await AssertAnswersAsync();
        long baseline = ResidentBytes(collect: true);

        using var done = new CancellationTokenSource();
        var peak = Task.Run(async () =>
        {
            long max = 0;
            while (!done.IsCancellationRequested)
            {
                max = Math.Max(max, ResidentBytes(collect: false));
                await Task.Delay(5, CancellationToken.None);
            }

            return max;
        });
        var clock = Stopwatch.StartNew();
        var answers = await Task.WhenAll(bombs.Select(async bomb =>
        {
            using var response = await _client.PostAsync("/api/predict", Picture(bomb, "image/png"));
            return (response.StatusCode, Text: await response.Content.ReadAsStringAsync(), Seconds: clock.Elapsed.TotalSeconds);
        }));
        await done.CancelAsync();
        long peakBytes = await peak;
        long after = ResidentBytes(collect: true);

        foreach (var (status, text, seconds) in answers)
        {
            output.WriteLine($"{(int)status} after {seconds:F2} s: {text}");
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
            Assert.Contains("refused before decoding", JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        output.WriteLine($"resident: baseline {baseline / MiB} MiB, peak {peakBytes / MiB} MiB, after {after / MiB} MiB");
        // Generous bounds that do not depend on the machine's speed: one decoded bomb alone needed 1.2 GB.
        Assert.True(peakBytes - baseline < 256 * MiB, $"peak {peakBytes / MiB} MiB against a baseline of {baseline / MiB} MiB");
        Assert.True(after - baseline < 64 * MiB, $"after {after / MiB} MiB against a baseline of {baseline / MiB} MiB");
        await AssertAnswersAsync();
    }

    private async Task AssertAnswersAsync()
    {
        using var response = await _client.PostAsync("/api/predict", Pixels(TestModels.Pixels(seed: 1)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static ByteArrayContent Picture(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return content;
    }

    private static long ResidentBytes(bool collect)
    {
        if (collect)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }

        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
