// Engine-side timers for the step split of `bench train`. The engine marks where each phase of a step starts and
// ends on the thread that runs it; nothing here knows who drives the engine (LocalTrainer, in-process actors or
// remote workers), so the split stays valid whatever carries the hand-offs. Off unless a benchmark turns it on: a
// disabled timer costs one static read per mark. Worker threads' time and the coordinator's (its reduction and
// optimizer pass, measured as wall time on its own thread) are kept apart, because several workers run at once
// while the coordinator's pass runs alone.
using System.Diagnostics;

namespace ClusterMnist.Core.Diagnostics;

/// <summary>Accumulates the time spent in each <see cref="StepPhase"/>, per role, over all threads.</summary>
public static class StepTimings
{
    private static readonly int PhaseCount = Enum.GetValues<StepPhase>().Length;
    private static readonly List<long[]> Registered = [];
    private static readonly long[] CoordinatorTicks = new long[PhaseCount];
    private static volatile bool _enabled;

    [ThreadStatic]
    private static long[]? _threadTicks;

    /// <summary>Whether the engine records its phases (off by default).</summary>
    public static bool Enabled
    {
        get => _enabled;
        set => _enabled = value;
    }

    /// <summary>A timestamp to measure from, or 0 when timing is off (every later mark then does nothing).</summary>
    public static long Start() => _enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Adds the time since <paramref name="since"/> to this worker thread's <paramref name="phase"/>; returns the new mark.</summary>
    public static long Lap(StepPhase phase, long since)
    {
        if (since == 0)
            return 0;
        long now = Stopwatch.GetTimestamp();
        var ticks = _threadTicks ?? RegisterThread();
        Interlocked.Add(ref ticks[(int)phase], now - since);
        return now;
    }

    /// <summary>Stopwatch ticks since <paramref name="since"/>, or 0 when it is 0 (timing was off).</summary>
    public static long Since(long since) => since == 0 ? 0 : Stopwatch.GetTimestamp() - since;

    /// <summary>Adds <paramref name="ticks"/> (Stopwatch ticks of wall time) to the coordinator's <paramref name="phase"/>.</summary>
    public static void AddCoordinator(StepPhase phase, long ticks)
    {
        if (ticks > 0)
            Interlocked.Add(ref CoordinatorTicks[(int)phase], ticks);
    }

    /// <summary>Clears every total (call between steps).</summary>
    public static void Reset()
    {
        lock (Registered)
        {
            foreach (var ticks in Registered)
            {
                for (int p = 0; p < ticks.Length; p++)
                    Interlocked.Exchange(ref ticks[p], 0);
            }
        }
        for (int p = 0; p < CoordinatorTicks.Length; p++)
            Interlocked.Exchange(ref CoordinatorTicks[p], 0);
    }

    /// <summary>The totals since the last <see cref="Reset"/>: worker-thread seconds summed over threads, and coordinator seconds.</summary>
    public static StepTimeTotals Snapshot()
    {
        var worker = new double[PhaseCount];
        var coordinator = new double[PhaseCount];
        lock (Registered)
        {
            foreach (var ticks in Registered)
            {
                for (int p = 0; p < PhaseCount; p++)
                    worker[p] += Volatile.Read(ref ticks[p]) / (double)Stopwatch.Frequency;
            }
        }
        for (int p = 0; p < PhaseCount; p++)
            coordinator[p] = Volatile.Read(ref CoordinatorTicks[p]) / (double)Stopwatch.Frequency;
        return new StepTimeTotals(worker, coordinator);
    }

    private static long[] RegisterThread()
    {
        var ticks = new long[PhaseCount];
        lock (Registered)
            Registered.Add(ticks);
        _threadTicks = ticks;
        return ticks;
    }
}
