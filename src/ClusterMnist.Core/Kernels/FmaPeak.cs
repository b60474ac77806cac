// Measures this core's float32 FMA peak: many independent FMA chains on the widest accelerated
// vector type, all register-resident, so neither latency nor memory limits the rate. `bench gemm`
// divides GEMM throughput measured in the same run by this to report fractions of peak.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

/// <summary>Single-core FMA peak, measured rather than taken from a data sheet.</summary>
public static class FmaPeak
{
    // Enough independent chains to cover FMA latency (4–5 cycles) times FMA pipes (2) on current
    // x64 and Arm cores, while leaving registers for the two operands (16 ymm/xmm without AVX-512).
    private const int WideChains = 16;
    private const int NarrowChains = 12;

    /// <summary>
    /// Runs the FMA loop for about <paramref name="duration"/> (split into short trials) and returns the
    /// median trial rate, so background load on a shared machine moves it as it moves a GEMM measured alongside.
    /// </summary>
    public static FmaPeakResult Measure(TimeSpan duration) => Measure(duration, ThroughputTrials.WallSeconds);

    /// <summary>The same, with every trial timed by <paramref name="clockSeconds"/> (see <see cref="ThroughputTrials"/>).</summary>
    internal static FmaPeakResult Measure(TimeSpan duration, Func<double> clockSeconds)
    {
        ArgumentNullException.ThrowIfNull(clockSeconds);
        double Median(Action<long> work, double flopsPerRep) => ThroughputTrials.MedianGigaflops(work, flopsPerRep, duration, clockSeconds);

        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            return new(Median(reps => Sink(Chains512(reps)), 2.0 * WideChains * 16), "AVX-512F");
        }

        if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
        {
            return new(Median(reps => Sink(Chains256(reps)), 2.0 * NarrowChains * 8), "AVX2+FMA");
        }

        if (Vector128.IsHardwareAccelerated)
        {
            return new(Median(reps => Sink(Chains128(reps)), 2.0 * NarrowChains * 4), "Vector128");
        }

        return new(Median(reps => Sink(ChainsScalar(reps)), 2.0 * NarrowChains), "scalar");
    }

    // Keeps the loop's result observable so the JIT cannot drop it.
    private static float _sink;

    private static void Sink(float value) => _sink += value;

    // x slightly below 1 and a small addend keep every chain near 1: no overflow, no denormals.
    private const float Scale = 0.9999f;
    private const float Addend = 0.0001f;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains512(long iterations)
    {
        var x = Vector512.Create(Scale);
        var y = Vector512.Create(Addend);
        Vector512<float> a0 = Vector512<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector512<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, x, y);
            a1 = Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = Vector512.FusedMultiplyAdd(a2, x, y);
            a3 = Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = Vector512.FusedMultiplyAdd(a4, x, y);
            a5 = Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = Vector512.FusedMultiplyAdd(a6, x, y);
            a7 = Vector512.FusedMultiplyAdd(a7, x, y);
            a8 = Vector512.FusedMultiplyAdd(a8, x, y);
            a9 = Vector512.FusedMultiplyAdd(a9, x, y);
            a10 = Vector512.FusedMultiplyAdd(a10, x, y);
            a11 = Vector512.FusedMultiplyAdd(a11, x, y);
            a12 = Vector512.FusedMultiplyAdd(a12, x, y);
            a13 = Vector512.FusedMultiplyAdd(a13, x, y);
            a14 = Vector512.FusedMultiplyAdd(a14, x, y);
            a15 = Vector512.FusedMultiplyAdd(a15, x, y);
        }

        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15;
        return Vector512.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains256(long iterations)
    {
        var x = Vector256.Create(Scale);
        var y = Vector256.Create(Addend);
        Vector256<float> a0 = Vector256<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector256<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, x, y);
            a1 = Vector256.FusedMultiplyAdd(a1, x, y);
            a2 = Vector256.FusedMultiplyAdd(a2, x, y);
            a3 = Vector256.FusedMultiplyAdd(a3, x, y);
            a4 = Vector256.FusedMultiplyAdd(a4, x, y);
            a5 = Vector256.FusedMultiplyAdd(a5, x, y);
            a6 = Vector256.FusedMultiplyAdd(a6, x, y);
            a7 = Vector256.FusedMultiplyAdd(a7, x, y);
            a8 = Vector256.FusedMultiplyAdd(a8, x, y);
            a9 = Vector256.FusedMultiplyAdd(a9, x, y);
            a10 = Vector256.FusedMultiplyAdd(a10, x, y);
            a11 = Vector256.FusedMultiplyAdd(a11, x, y);
        }

        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector256.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains128(long iterations)
    {
        var x = Vector128.Create(Scale);
        var y = Vector128.Create(Addend);
        Vector128<float> a0 = Vector128<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector128<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector128.MultiplyAddEstimate(a0, x, y);
            a1 = Vector128.MultiplyAddEstimate(a1, x, y);
            a2 = Vector128.MultiplyAddEstimate(a2, x, y);
            a3 = Vector128.MultiplyAddEstimate(a3, x, y);
            a4 = Vector128.MultiplyAddEstimate(a4, x, y);
            a5 = Vector128.MultiplyAddEstimate(a5, x, y);
            a6 = Vector128.MultiplyAddEstimate(a6, x, y);
            a7 = Vector128.MultiplyAddEstimate(a7, x, y);
            a8 = Vector128.MultiplyAddEstimate(a8, x, y);
            a9 = Vector128.MultiplyAddEstimate(a9, x, y);
            a10 = Vector128.MultiplyAddEstimate(a10, x, y);
            a11 = Vector128.MultiplyAddEstimate(a11, x, y);
        }

        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector128.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ChainsScalar(long iterations)
    {
        float a0 = 1, a1 = 1, a2 = 1, a3 = 1, a4 = 1, a5 = 1, a6 = 1, a7 = 1, a8 = 1, a9 = 1, a10 = 1, a11 = 1;
        for (long i = 0; i < iterations; i++)
        {
            a0 = (a0 * Scale) + Addend;
            a1 = (a1 * Scale) + Addend;
            a2 = (a2 * Scale) + Addend;
            a3 = (a3 * Scale) + Addend;
            a4 = (a4 * Scale) + Addend;
            a5 = (a5 * Scale) + Addend;
            a6 = (a6 * Scale) + Addend;
            a7 = (a7 * Scale) + Addend;
            a8 = (a8 * Scale) + Addend;
            a9 = (a9 * Scale) + Addend;
            a10 = (a10 * Scale) + Addend;
            a11 = (a11 * Scale) + Addend;
        }

        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }
}
