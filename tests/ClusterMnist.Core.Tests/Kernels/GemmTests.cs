using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

public class GemmTests
{
    [Fact]
    public void Multiply_MatchesHandComputedProduct()
    {
        float[] a = [1, 2, 3, 4, 5, 6];      // 2×3
        float[] b = [7, 8, 9, 10, 11, 12];   // 3×2
        var c = new float[4];
        Gemm.Multiply(a, b, c, 2, 2, 3);
        Assert.Equal([58f, 64f, 139f, 154f], c);
    }

    [Fact]
    public void Gemm_RunsVector512_WhenAvx512IsAccelerated()
    {
        // The default path is the widest supported one; on an AVX-512 machine it must be Vector512
        // so the fast kernel, not a fallback, is what the trainer uses.
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Assert.Equal(GemmPath.Vector512, GemmPaths.Default);
        }

        Assert.True(GemmPaths.IsSupported(GemmPaths.Default));
    }

    [Theory]
    [MemberData(nameof(GemmTestData.Forms), MemberType = typeof(GemmTestData))]
    public void Gemm_MatchesReference_ForAwkwardShapes(GemmForm form)
    {
        var sizes = GemmTestData.AwkwardSizes;
        int seed = 0;
        foreach (int m in sizes)
        {
            foreach (int n in sizes)
            {
                foreach (int k in sizes)
                {
                    // Keeps the sweep to a few seconds while still crossing every block boundary.
                    if ((long)m * n * k > 300_000)
                    {
                        continue;
                    }

                    bool accumulate = (seed++ & 1) == 1;
                    CheckAllPaths(form, m, n, k, accumulate, seed);
                }
            }
        }
    }

    [Theory]
    [InlineData(GemmForm.Forward, 32, 256, 784)]
    [InlineData(GemmForm.Forward, 32, 128, 256)]
    [InlineData(GemmForm.Forward, 32, 10, 128)]
    [InlineData(GemmForm.Forward, 256, 10, 128)]
    [InlineData(GemmForm.BackwardInput, 32, 256, 128)]
    [InlineData(GemmForm.BackwardInput, 32, 784, 256)]
    [InlineData(GemmForm.BackwardInput, 32, 128, 10)]
    [InlineData(GemmForm.BackwardWeights, 256, 784, 32)]
    [InlineData(GemmForm.BackwardWeights, 128, 256, 32)]
    [InlineData(GemmForm.BackwardWeights, 10, 128, 32)]
    public void Gemm_MatchesReference_ForTrainingShapes(GemmForm form, int m, int n, int k)
    {
        CheckAllPaths(form, m, n, k, accumulate: false, seed: m + n + k);
        CheckAllPaths(form, m, n, k, accumulate: true, seed: m + n + k + 1);
    }

    [Theory]
    [MemberData(nameof(GemmTestData.Forms), MemberType = typeof(GemmTestData))]
    public void Gemm_ZeroesC_WhenKIsZeroAndNotAccumulating(GemmForm form)
    {
        foreach (var path in GemmTestData.SupportedPaths)
        {
            var c = new float[] { 1, 2, 3, 4, 5, 6, 7 };
            GemmTestData.Run(form, path, [], [], c, 2, 3, 0, accumulate: false);
            Assert.Equal([0f, 0, 0, 0, 0, 0, 7], c);

            GemmTestData.Run(form, path, [], [], c.AsSpan(), 2, 3, 0, accumulate: true);
            Assert.Equal([0f, 0, 0, 0, 0, 0, 7], c);

            var d = new float[] { 1, 2 };
            GemmTestData.Run(form, path, [], [], d, 2, 1, 0, accumulate: true);
            Assert.Equal([1f, 2], d);
        }
    }

    [Fact]
    public void Gemm_Throws_WhenSpansAreTooShort()
    {
        var small = new float[5];
        var enough = new float[6];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(small, enough, enough, 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedB(enough, small, enough, 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedA(enough, enough, new float[3], 2, 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(enough, enough, enough, -1, 2, 3));
    }

    private static void CheckAllPaths(GemmForm form, int m, int n, int k, bool accumulate, int seed)
    {
        var a = GemmTestData.Random(m * k, seed);
        var b = GemmTestData.Random(k * n, seed + 1000);
        // Two spare floats past m×n catch writes beyond the destination.
        var c0 = GemmTestData.Random((m * n) + 2, seed + 2000);
        var oracle = GemmTestData.Oracle(form, a, b, c0, m, n, k, accumulate);
        foreach (var path in GemmTestData.SupportedPaths)
        {
            var c = (float[])c0.Clone();
            GemmTestData.Run(form, path, a, b, c, m, n, k, accumulate);
            GemmTestData.AssertClose(oracle, c0, c, m, n, $"{form} {path} m={m} n={n} k={k} accumulate={accumulate}");
        }
    }
}
