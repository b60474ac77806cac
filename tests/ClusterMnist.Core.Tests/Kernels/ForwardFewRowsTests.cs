using System.Runtime.Intrinsics;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

public class ForwardFewRowsTests
{
    // Every row count the kernels take, and n, k across the vector widths, the 4-output tile and the layer sizes.
    private static readonly int[] Rows = [1, 2, 3, 4];
    private static readonly int[] Outputs = [1, 3, 4, 5, 7, 10, 13, 65, 129, 257];
    private static readonly int[] Depths = [8, 9, 13, 15, 16, 17, 31, 33, 65, 129, 257, 784];

    public static TheoryData<string> Kernels => ["Vector512", "Vector256"];

    [SkippableTheory]
    [MemberData(nameof(Kernels))]
    public void ForwardFewRows_MatchesReference_ForAwkwardShapes(string kernel)
    {
        SkipUnlessSupported(kernel);

        int seed = 0;
        foreach (int m in Rows)
        {
            foreach (int n in Outputs)
            {
                foreach (int k in Depths)
                {
                    if (k < MinDepth(kernel))
                    {
                        continue;
                    }

                    bool accumulate = (seed++ % 3) == 1;
                    var a = GemmTestData.Random(m * k, seed);
                    var b = GemmTestData.Random(n * k, seed + 1000);
                    var c0 = GemmTestData.Random((m * n) + 2, seed + 2000);
                    var oracle = GemmTestData.Oracle(GemmForm.Forward, a, b, c0, m, n, k, accumulate);
                    var c = (float[])c0.Clone();
                    Run(kernel, a, b, c, m, n, k, accumulate);
                    GemmTestData.AssertClose(oracle, c0, c, m, n, $"{kernel} m={m} n={n} k={k} accumulate={accumulate}");
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 256, 784)]
    [InlineData(1, 128, 256)]
    [InlineData(1, 10, 128)]
    [InlineData(4, 256, 784)]
    [InlineData(3, 10, 128)]
    public void Gemm_MatchesReference_ForSingleImageLayerShapes(int m, int n, int k)
    {
        // Through the public entry on every path, so whatever the dispatch picks for 1–4 rows is checked.
        var a = GemmTestData.Random(m * k, m + n + k);
        var b = GemmTestData.Random(n * k, m + n + k + 1);
        var c0 = GemmTestData.Random((m * n) + 2, m + n + k + 2);
        var oracle = GemmTestData.Oracle(GemmForm.Forward, a, b, c0, m, n, k, accumulate: false);
        foreach (var path in GemmTestData.SupportedPaths)
        {
            var c = (float[])c0.Clone();
            Gemm.MultiplyTransposedBOnPath(a, b, c, m, n, k, accumulate: false, path);
            GemmTestData.AssertClose(oracle, c0, c, m, n, $"{path} m={m} n={n} k={k}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Kernels))]
    public void ForwardFewRows_GivesARowTheSameBits_WhateverTheRowCountAndAlignment(string kernel)
    {
        // The coalescing server predicts an image alone or with up to three others, from arrays at any offset:
        // a row's result must depend only on that row, W and the shape of one row's product.
        SkipUnlessSupported(kernel);

        const int n = 37, k = 203;
        var w = GemmTestData.Random(n * k, 1);
        var x = GemmTestData.Random(4 * k, 2);
        var alone = new float[n];
        Run(kernel, x.AsSpan(3 * k, k), w, alone, 1, n, k, accumulate: false);
        foreach (int m in Rows)
        {
            foreach (int offset in new[] { 0, 1, 5 })
            {
                var shiftedX = new float[offset + (m * k)];
                x.AsSpan((4 - m) * k, m * k).CopyTo(shiftedX.AsSpan(offset));
                var shiftedW = new float[offset + (n * k)];
                w.CopyTo(shiftedW.AsSpan(offset));
                var c = new float[m * n];
                Run(kernel, shiftedX.AsSpan(offset), shiftedW.AsSpan(offset), c, m, n, k, accumulate: false);
                Assert.Equal(Bits(alone), Bits(c.AsSpan((m - 1) * n, n).ToArray()));
            }
        }
    }

    [SkippableFact]
    public void Gemm_TakesTheFewRowsKernel_ForOneToFourRowsOnWideVectors()
    {
        // Guards the dispatch: on an AVX-512 or AVX2+FMA machine, 1–4 rows must give the few-row kernel's exact bits.
        var path = GemmPaths.Default;
        Skip.IfNot(path is GemmPath.Vector512 or GemmPath.Vector256, $"The default path here is {path}: no wide vectors.");

        string kernel = path == GemmPath.Vector512 ? "Vector512" : "Vector256";
        const int n = 30, k = 100;
        var w = GemmTestData.Random(n * k, 3);
        foreach (int m in Rows)
        {
            var x = GemmTestData.Random(m * k, 4 + m);
            var expected = new float[m * n];
            Run(kernel, x, w, expected, m, n, k, accumulate: false);
            var actual = new float[m * n];
            Gemm.MultiplyTransposedB(x, w, actual, m, n, k);
            Assert.Equal(Bits(expected), Bits(actual));
        }
    }

    // Skipped, not passed, where the processor lacks the width (a Vector512 kernel on an AVX2-only machine).
    private static void SkipUnlessSupported(string kernel) =>
        Skip.IfNot(GemmPaths.IsSupported(kernel == "Vector512" ? GemmPath.Vector512 : GemmPath.Vector256), $"This processor does not run {kernel}.");

    private static int MinDepth(string kernel) => kernel == "Vector512" ? 16 : 8;

    private static void Run(string kernel, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> c, int m, int n, int k, bool accumulate)
    {
        if (kernel == "Vector512")
        {
            Assert.True(ForwardFewRows<FloatLanes.V512, Vector512<float>>.Suits(m, k));
            ForwardFewRows<FloatLanes.V512, Vector512<float>>.Run(x, w, c, m, n, k, accumulate);
        }
        else
        {
            Assert.True(ForwardFewRows<FloatLanes.V256, Vector256<float>>.Suits(m, k));
            ForwardFewRows<FloatLanes.V256, Vector256<float>>.Run(x, w, c, m, n, k, accumulate);
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
