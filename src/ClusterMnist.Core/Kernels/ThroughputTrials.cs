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
        => MedianGigaflops(work, flopsPerRep, duration, WallSeconds);

    /// <summary>
    /// The same, timing each trial with <paramref name="clockSeconds"/> (e.g. the thread's CPU time, which a
    /// benchmark on a heavily shared machine may prefer: time spent descheduled is not counted).
    /// </summary>
    public static double MedianGigaflops(Action<long> work, double flopsPerRep, TimeSpan duration, Func<double> clockSeconds)
    {
        ArgumentNullException.ThrowIfNull(clockSeconds);
        double trialSeconds = Math.Max(0.001, duration.TotalSeconds / 20);
        work(1);   // first call compiles and warms caches

        // Grow reps until a trial lasts long enough; the fastest of three timings per size ignores
        // a preemption that would otherwise stop calibration early and leave trials too short to time.
        long reps = 1;
        while (reps < (1L << 40) && Math.Min(Time(work, reps, clockSeconds), Math.Min(Time(work, reps, clockSeconds), Time(work, reps, clockSeconds))) < trialSeconds)
        {
            reps *= 2;
        }

        var rates = new List<double>();
        var total = Stopwatch.StartNew();
        while (rates.Count < 5 || total.Elapsed < duration)
        {
            double seconds = Time(work, reps, clockSeconds);
            rates.Add(flopsPerRep * reps / seconds / 1e9);
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    /// <summary>The monotonic wall clock, in seconds.</summary>
    public static double WallSeconds() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private static double Time(Action<long> work, long reps, Func<double> clockSeconds)
    {
        double start = clockSeconds();
        work(reps);
        return clockSeconds() - start;
    }
}
