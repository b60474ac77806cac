using System.Diagnostics;

namespace ClusterMnist.Server.Metrics;

/// <summary>
/// Counts prediction requests by outcome, images predicted, and a latency histogram. Lock-free (Interlocked), so
/// recording costs a few atomic adds on the request path.
/// </summary>
internal sealed class PredictionMetrics
{
    /// <summary>Upper bounds in seconds: fine below a millisecond, where loopback predictions land.</summary>
    public static readonly double[] BucketBounds =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly long[] _outcomes = new long[Enum.GetValues<PredictionOutcome>().Length];
    private readonly long[] _buckets = new long[BucketBounds.Length + 1];
    private long _sumTicks;
    private long _images;

    /// <summary>Records one request that started at <paramref name="startTimestamp"/> (Stopwatch ticks).</summary>
    public void Record(PredictionOutcome outcome, long startTimestamp, int images)
    {
        long ticks = Stopwatch.GetTimestamp() - startTimestamp;
        double seconds = (double)ticks / Stopwatch.Frequency;
        int bucket = 0;
        while (bucket < BucketBounds.Length && seconds > BucketBounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _outcomes[(int)outcome]);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Add(ref _sumTicks, ticks);
        Interlocked.Add(ref _images, images);
    }

    /// <summary>Requests that ended with <paramref name="outcome"/>.</summary>
    public long Count(PredictionOutcome outcome) => Volatile.Read(ref _outcomes[(int)outcome]);

    /// <summary>Images predicted in successful requests.</summary>
    public long Images => Volatile.Read(ref _images);

    /// <summary>Total seconds spent in recorded requests.</summary>
    public double SumSeconds => (double)Volatile.Read(ref _sumTicks) / Stopwatch.Frequency;

    /// <summary>Requests per bucket (not cumulative); the last is above every bound.</summary>
    public long[] BucketCounts()
    {
        var counts = new long[_buckets.Length];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _buckets[i]);
        }

        return counts;
    }
}
