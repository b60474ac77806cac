using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

/// <summary>Inputs, forms and the paths this machine can run, shared by the GEMM tests.</summary>
internal static class GemmTestData
{
    public static readonly int[] AwkwardSizes = [0, 1, 7, 13, 65, 129, 257, 784];

    public static IEnumerable<GemmPath> SupportedPaths =>
        Enum.GetValues<GemmPath>().Where(GemmPaths.IsSupported);

    public static TheoryData<GemmForm> Forms => [GemmForm.Forward, GemmForm.BackwardInput, GemmForm.BackwardWeights];

    public static float[] Random(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    /// <summary>Runs form on a forced path; the (m, n, k) and operand storage follow <see cref="GemmForm"/>.</summary>
    public static void Run(GemmForm form, GemmPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        switch (form)
        {
            case GemmForm.Forward:
                Gemm.MultiplyTransposedBOnPath(a, b, c, m, n, k, accumulate, path);
                break;
            case GemmForm.BackwardInput:
                Gemm.MultiplyOnPath(a, b, c, m, n, k, accumulate, path);
                break;
            default:
                Gemm.MultiplyTransposedAOnPath(a, b, c, m, n, k, accumulate, path);
                break;
        }
    }

    public static void Reference(GemmForm form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        switch (form)
        {
            case GemmForm.Forward:
                GemmReference.MultiplyTransposedB(a, b, c, m, n, k, accumulate);
                break;
            case GemmForm.BackwardInput:
                GemmReference.Multiply(a, b, c, m, n, k, accumulate);
                break;
            default:
                GemmReference.MultiplyTransposedA(a, b, c, m, n, k, accumulate);
                break;
        }
    }

    /// <summary>The reference result and, per element, Σ|a·b| + |c₀| (the scale its rounding error is relative to).</summary>
    public static (float[] Expected, float[] Magnitude) Oracle(GemmForm form, float[] a, float[] b, float[] c0, int m, int n, int k, bool accumulate)
    {
        var expected = (float[])c0.Clone();
        Reference(form, a, b, expected, m, n, k, accumulate);
        var magnitude = c0.Select(Math.Abs).ToArray();
        Reference(form, a.Select(Math.Abs).ToArray(), b.Select(Math.Abs).ToArray(), magnitude, m, n, k, accumulate);
        return (expected, magnitude);
    }

    /// <summary>
    /// Asserts actual matches the oracle within a relative tolerance: each element may differ by 1e-5 of
    /// its magnitude, which float rounding over k ≤ 784 terms (about k·2⁻²⁴ ≈ 5e-5 worst case, far less
    /// in practice) stays inside; the floats past m×n must be untouched.
    /// </summary>
    public static void AssertClose((float[] Expected, float[] Magnitude) oracle, float[] c0, float[] actual, int m, int n, string label)
    {
        for (int i = 0; i < m * n; i++)
        {
            double tolerance = (1e-5 * oracle.Magnitude[i]) + 1e-30;
            double error = Math.Abs((double)actual[i] - oracle.Expected[i]);
            if (!(error <= tolerance))
            {
                Assert.Fail($"{label}: element {i} (row {i / n}, col {i % n}) is {actual[i]}, expected {oracle.Expected[i]} (|error| {error:g3} > {tolerance:g3}).");
            }
        }

        for (int i = m * n; i < c0.Length; i++)
        {
            Assert.Equal(c0[i], actual[i]);
        }
    }
}
