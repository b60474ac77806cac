using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Benchmarks;

/// <summary>
/// Measures the FMA peak and every training shape in alternating rounds, so load from other
/// processes hits both alike, and prints the median GFLOP/s and median fraction of peak.
/// </summary>
public static class GemmPeakReport
{
    public static void Run(TimeSpan duration, int rounds, TextWriter output)
    {
        var shapes = TrainingShapes.All;
        var peaks = new List<double>();
        var rates = shapes.Select(_ => new List<double>()).ToArray();
        var ratios = shapes.Select(_ => new List<double>()).ToArray();
        string isa = "";
        for (int round = 0; round < rounds; round++)
        {
            var peak = FmaPeak.Measure(duration);
            isa = peak.InstructionSet;
            peaks.Add(peak.GigaflopsPerSecond);
            for (int s = 0; s < shapes.Count; s++)
            {
                var (form, m, n, k) = shapes[s];
                double gflops = GemmThroughput.MeasureGigaflops(form, m, n, k, duration);
                rates[s].Add(gflops);
                ratios[s].Add(gflops / peak.GigaflopsPerSecond);
            }
        }

        output.WriteLine($"FMA peak ({isa}, path {GemmPaths.Default}): median {Median(peaks):F1} GFLOP/s over {rounds} rounds (min {peaks.Min():F1}, max {peaks.Max():F1})");
        output.WriteLine($"{"form",-16} {"m",5} {"n",5} {"k",5} {"GFLOP/s",9} {"of peak",8}");
        for (int s = 0; s < shapes.Count; s++)
        {
            var (form, m, n, k) = shapes[s];
            output.WriteLine($"{form,-16} {m,5} {n,5} {k,5} {Median(rates[s]),9:F1} {Median(ratios[s]),8:P0}");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
