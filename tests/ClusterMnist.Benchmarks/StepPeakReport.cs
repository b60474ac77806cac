using System.Runtime.InteropServices;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Kernels;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Benchmarks;

/// <summary>
/// The training step on one thread as a fraction of the FMA peak, without actors or other threads in the way:
/// alternates short FMA-peak measurements with (1) the worker engine alone, one <see cref="ShardWorkerPool"/> thread
/// computing every shard of a batch into its int32 partial, and (2) whole steps as LocalTrainer runs them (engine,
/// exact reduction and Adam), and prints the medians of the time-adjacent ratios. Short trials and paired ratios make
/// it usable on a shared machine, and two builds can be compared by running it alternately. With
/// `cpu` every trial is timed by the thread's CPU time instead of the wall clock and the
/// optimizer's pass runs on this thread only: on a machine so busy that the thread is often descheduled mid-trial,
/// this still compares work per FLOP (cache pollution by the other processes still counts).
/// </summary>
public static class StepPeakReport
{
    public static void Run(ModelSpec spec, int batch, int microShard, TimeSpan duration, int rounds, bool cpuTime, TextWriter output)
    {
        var data = RandomImages(spec, batch * 16, seed: 1);
        var options = new TrainingOptions(spec, Initialization.He, new OptimizerSpec(OptimizerKind.Adam),
            new LearningRateSchedule(ScheduleKind.Constant, 1e-3f), batch, Epochs: 1_000_000, Workers: 1, Seed: 1, MicroShardSize: microShard);
        var run = new TrainingRun(options, data);
        if (cpuTime)
            run.SliceCount = 1;
        Func<double> clock = cpuTime ? ThreadCpuSeconds : ThroughputTrials.WallSeconds;
        using var pool = new ShardWorkerPool(run.Network, data.Train, run.Layout, 1, microShard, 1);
        var parameters = run.Parameters.ToArray();
        var exponents = run.Exponents.ToArray();
        var plan = run.NextPlan;
        var order = run.Order;
        double flops = (double)spec.TrainingFlopsPerSample * batch;

        void Engine(long reps)
        {
            for (long r = 0; r < reps; r++)
                pool.ComputeStep(order, 0, plan, 1, exponents, parameters);
        }

        var loss = new double[plan.ShardCount];
        var correct = new int[plan.ShardCount];
        void Steps(long reps)
        {
            for (long r = 0; r < reps; r++)
            {
                if (run.IsEpochFinished)
                    run.FinishEpoch(1);
                run.Parameters.CopyTo(parameters);
                do
                {
                    run.Exponents.CopyTo(exponents);
                    pool.ComputeStep(run.Order, run.NextBatchStart, run.NextPlan, run.NextStep, exponents, parameters);
                    run.Reduction.Reset();
                    var partial = pool.PartialOf(0);
                    run.Reduction.AddDeferred(partial.Sums, partial.MaxAbs, partial.Overflow, partial.ShardCount);
                }
                while (!run.ApplyStep(loss, correct));
            }
        }

        // The coordinator's pass alone: the exact sum of one partial, dequantization, Adam and the copy for the workers.
        var copy = new float[parameters.Length];
        void Update(long reps)
        {
            for (long r = 0; r < reps; r++)
            {
                if (run.IsEpochFinished)
                    run.FinishEpoch(1);
                run.Reduction.Reset();
                var partial = pool.PartialOf(0);
                run.Reduction.AddDeferred(partial.Sums, partial.MaxAbs, partial.Overflow, partial.ShardCount);
                run.ApplyStep(loss, correct, copy);
            }
        }

        var engine = new List<double>();
        var updates = new List<double>();
        var steps = new List<double>();
        var peaks = new List<double>();
        // Past tiered compilation's tier-up of every loop (on-stack replacement included) before the first round.
        foreach (var warm in new Action<long>[] { Engine, Steps, Update })
            ThroughputTrials.MedianGigaflops(warm, 1, TimeSpan.FromSeconds(0.5), clock);
        for (int round = 0; round < rounds; round++)
        {
            double peak = FmaPeak.Measure(duration, clock).GigaflopsPerSecond;
            peaks.Add(peak);
            engine.Add(ThroughputTrials.MedianGigaflops(Engine, flops, duration, clock) / peak);
            steps.Add(ThroughputTrials.MedianGigaflops(Steps, flops, duration, clock) / peak);
            // As "GFLOP/s" of one flop per call, the median calls per second.
            updates.Add(1e6 / (ThroughputTrials.MedianGigaflops(Update, 1e9, duration, clock)));
        }

        output.WriteLine($"{spec}, batch {batch}, micro-shard {microShard}, {rounds} rounds of {duration.TotalMilliseconds:F0} ms "
            + $"({(cpuTime ? "thread CPU time, optimizer on one thread" : "wall time")}), FMA peak median {Median(peaks):F1} GFLOP/s:");
        output.WriteLine($"  worker engine alone: {Median(engine):F3} of peak (rounds {string.Join(" ", engine.Select(f => f.ToString("F3")))})");
        output.WriteLine($"  whole local step:    {Median(steps):F3} of peak (rounds {string.Join(" ", steps.Select(f => f.ToString("F3")))})");
        output.WriteLine($"  optimizer pass:      {Median(updates):F1} µs per step (rounds {string.Join(" ", updates.Select(u => u.ToString("F1")))})");
    }

    // Uniformly random pixels, as `bench train` uses: every shard reads fresh rows, as in an epoch.
    private static DataSplit RandomImages(ModelSpec spec, int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * spec.InputSize];
        random.NextBytes(pixels);
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
            labels[i] = (byte)random.Next(spec.OutputSize);
        var train = new ImageSet(pixels, labels, 1, spec.InputSize, "random");
        var test = new ImageSet(pixels.AsSpan(0, 16 * spec.InputSize).ToArray(), labels.AsSpan(0, 16).ToArray(), 1, spec.InputSize, "random");
        return new DataSplit(train, test, "random");
    }

    /// <summary>This thread's CPU time in seconds (Linux).</summary>
    public static double ThreadCpuSeconds()
    {
        if (ClockGetTime(ThreadCpuClock, out var time) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        return time.Seconds + (time.Nanoseconds * 1e-9);
    }

    private const int ThreadCpuClock = 3;   // CLOCK_THREAD_CPUTIME_ID on Linux

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
