using System.Diagnostics;
using System.Net.Http.Headers;
using ClusterMnist.Cli.Reporting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// A closed-loop load generator for <c>POST /api/predict</c>: each of N connections sends one single-image request,
/// waits for the whole answer, and sends the next, for a fixed time. The load is bounded by construction (at most N
/// requests in flight), so the latencies it records are the server's plus the client's, never a growing queue's.
/// </summary>
internal static class ServingLoad
{
    /// <summary>Sends requests on <paramref name="connections"/> connections for <paramref name="duration"/> after a warm-up.</summary>
    public static async Task<LatencySummary> RunAsync(
        Uri predictUrl, byte[] jsonBody, int connections, TimeSpan duration, TimeSpan warmUp, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        await DriveAsync(client, predictUrl, jsonBody, connections, warmUp, cancellationToken).ConfigureAwait(false);
        return await DriveAsync(client, predictUrl, jsonBody, connections, duration, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<LatencySummary> DriveAsync(
        HttpClient client, Uri url, byte[] body, int connections, TimeSpan duration, CancellationToken cancellationToken)
    {
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long start = Stopwatch.GetTimestamp();
        var loops = new Task<Connection>[connections];
        for (int i = 0; i < connections; i++)
        {
            loops[i] = Task.Run(() => LoopAsync(client, url, body, end, cancellationToken), cancellationToken);
        }

        var results = await Task.WhenAll(loops).ConfigureAwait(false);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var latencies = results.SelectMany(r => r.Latencies).ToArray();
        return LatencySummary.From(latencies, results.Sum(r => r.Errors), results.Select(r => r.FirstError).FirstOrDefault(e => e is not null), seconds);
    }

    private static async Task<Connection> LoopAsync(HttpClient client, Uri url, byte[] body, long end, CancellationToken cancellationToken)
    {
        var connection = new Connection();
        while (Stopwatch.GetTimestamp() < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            long sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    connection.Fail($"HTTP {(int)response.StatusCode}");
                    continue;
                }
            }
            catch (HttpRequestException e)
            {
                connection.Fail(e.Message);
                continue;
            }

            connection.Latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }

        return connection;
    }

    private sealed class Connection
    {
        public List<double> Latencies { get; } = new(capacity: 1 << 16);

        public int Errors { get; private set; }

        public string? FirstError { get; private set; }

        public void Fail(string error)
        {
            Errors++;
            FirstError ??= error;
        }
    }
}

/// <summary>Requests/s and latency percentiles of one load run.</summary>
internal sealed record LatencySummary(long Requests, int Errors, string? FirstError, double Seconds, double RequestsPerSecond, double MedianMs, double P99Ms, double MaxMs)
{
    public static LatencySummary From(double[] latenciesMs, int errors, string? firstError, double seconds)
    {
        Array.Sort(latenciesMs);
        return new LatencySummary(
            latenciesMs.Length, errors, firstError, seconds, latenciesMs.Length / seconds,
            Statistics.Percentile(latenciesMs, 0.50), Statistics.Percentile(latenciesMs, 0.99), latenciesMs.Length == 0 ? double.NaN : latenciesMs[^1]);
    }
}
