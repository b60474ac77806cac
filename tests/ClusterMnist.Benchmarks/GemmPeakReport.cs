using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Benchmarks;

/// <summary>
/// For every training shape, alternates short FMA-peak and GEMM measurements and prints the median
/// GFLOP/s and the median ratio of time-adjacent pairs, so load from other processes on a shared
/// machine hits numerator and denominator alike.
/// </summary>
public static class GemmPeakReport
{
    public static void Run(TimeSpan duration, int rounds, TextWriter output)
    {
        var allPeaks = new List<double>();
        string isa = "";
        var lines = new List<string>();
        foreach (var (form, m, n, k) in TrainingShapes.All)
        {
            var rates = new List<double>();
            var ratios = new List<double>();
            var baselines = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                var peak = FmaPeak.Measure(duration);
                isa = peak.InstructionSet;
                allPeaks.Add(peak.GigaflopsPerSecond);
                double gflops = GemmThroughput.MeasureGigaflops(form, m, n, k, duration);
                rates.Add(gflops);
                ratios.Add(gflops / peak.GigaflopsPerSecond);
                baselines.Add(SimpleVectorGigaflops(form, m, n, k, duration));
            }

            double baseline = Median(baselines);
            lines.Add($"{form,-16} {m,5} {n,5} {k,5} {Median(rates),9:F1} {Median(ratios),8:P0} {rates.Max(),9:F1} {baseline,10:F1} {Median(rates) / baseline,8:F1}x");
        }

        output.WriteLine($"FMA peak ({isa}, GEMM path {GemmPaths.Default}): median {Median(allPeaks):F1} GFLOP/s (min {allPeaks.Min():F1}, max {allPeaks.Max():F1}), {rounds} peak/GEMM pairs of {duration.TotalMilliseconds:F0} ms each per shape");
        output.WriteLine($"{"form",-16} {"m",5} {"n",5} {"k",5} {"GFLOP/s",9} {"of peak",8} {"best",9} {"simple-vec",10} {"speedup",9}");
        output.WriteLine($"(GFLOP/s and of-peak are medians over pairs; best is the fastest GEMM trial median, to set against the max peak; simple-vec is the median of the TensorPrimitives row-loop baseline, measured in the same rounds)");
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    // The TensorPrimitives row-loop baseline, timed the same way as Gemm.
    private static double SimpleVectorGigaflops(GemmForm form, int m, int n, int k, TimeSpan duration)
    {
        var random = new Random(7);
        var a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var c = new float[m * n];
        return ThroughputTrials.MedianGigaflops(
            reps =>
            {
                for (long r = 0; r < reps; r++)
                {
                    SimpleVectorGemm.Run(form, a, b, c, m, n, k);
                }
            },
            2.0 * m * n * k,
            duration);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
