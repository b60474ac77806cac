// Measures GEMM throughput on one core for a layer shape, for `bench gemm` and the benchmarks.
namespace ClusterMnist.Core.Kernels;

/// <summary>Measured single-core throughput of <see cref="Gemm"/> for a given form and shape.</summary>
public static class GemmThroughput
{
    /// <summary>
    /// Runs the product of <paramref name="form"/> with c: m×n and summed dimension k for about
    /// <paramref name="duration"/> on random inputs and returns the median GFLOP/s (2·m·n·k flops per call).
    /// </summary>
    public static double MeasureGigaflops(GemmForm form, int m, int n, int k, TimeSpan duration)
        => MeasureGigaflops(form, m, n, k, duration, GemmPaths.Default);

    /// <summary>As the public overload, on a forced path (Scalar is the reference loops).</summary>
    internal static double MeasureGigaflops(GemmForm form, int m, int n, int k, TimeSpan duration, GemmPath path)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var random = new Random(12345);
        var a = RandomValues(random, m * k);
        var b = RandomValues(random, k * n);
        var c = new float[m * n];
        return ThroughputTrials.MedianGigaflops(reps => Repeat(form, path, a, b, c, m, n, k, reps), 2.0 * m * n * k, duration);
    }

    private static void Repeat(GemmForm form, GemmPath path, float[] a, float[] b, float[] c, int m, int n, int k, long reps)
    {
        for (long r = 0; r < reps; r++)
        {
            switch (form)
            {
                case GemmForm.Forward:
                    Gemm.MultiplyTransposedBOnPath(a, b, c, m, n, k, accumulate: false, path);
                    break;
                case GemmForm.BackwardInput:
                    Gemm.MultiplyOnPath(a, b, c, m, n, k, accumulate: false, path);
                    break;
                default:
                    Gemm.MultiplyTransposedAOnPath(a, b, c, m, n, k, accumulate: false, path);
                    break;
            }
        }
    }

    private static float[] RandomValues(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
