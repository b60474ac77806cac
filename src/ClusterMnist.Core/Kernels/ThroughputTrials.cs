// Shared timing loop for FmaPeak and GemmThroughput: many short trials, median rate. Short trials
// and the median make a measurement robust to the other processes on a shared machine, and using
// the same statistic for peak and GEMM keeps their ratio meaningful.
using System.Diagnostics;

namespace ClusterMnist.Core.Kernels;

internal static class ThroughputTrials
{
    /// <summary>
    /// Calls <paramref name="work"/>(reps) in trials of about a twentieth of <paramref name="duration"/>
    /// (at least 1 ms, at least 5 trials) and returns the median GFLOP/s, given the flops one rep does.
    /// </summary>
    public static double MedianGigaflops(Action<long> work, double flopsPerRep, TimeSpan duration)
    {
        double trialSeconds = Math.Max(0.001, duration.TotalSeconds / 20);
        long reps = 1;
        work(reps);   // first call compiles and warms caches
        while (true)
        {
            double seconds = Time(work, reps);
            if (seconds >= trialSeconds / 4 || reps >= (1L << 40))
            {
                reps = Math.Max(1, (long)(reps * trialSeconds / Math.Max(seconds, 1e-9)));
                break;
            }

            reps *= 4;
        }

        var rates = new List<double>();
        var total = Stopwatch.StartNew();
        while (rates.Count < 5 || total.Elapsed < duration)
        {
            double seconds = Time(work, reps);
            rates.Add(flopsPerRep * reps / seconds / 1e9);
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static double Time(Action<long> work, long reps)
    {
        long start = Stopwatch.GetTimestamp();
        work(reps);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
