using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

public class ForwardSmallBatchTests
{
    public static TheoryData<string> Kernels => ["Vector512", "Vector256"];

    /// <summary>
    /// The small-batch forward kernels' exact arithmetic, which every worker count relies on: per k block
    /// (GemmBlocking.KcFor), one FMA chain from zero in ascending steps; C is the first block's chain (or C + it when
    /// accumulating), then each later block's chain is added. Rows not a multiple of the panel, outputs not a multiple
    /// of the tile or of 8, and depths of one to four blocks.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Kernels))]
    public void ForwardSmallBatch_GivesTheBitsOfBlockwiseChains(string kernel)
    {
        Skip.IfNot(GemmPaths.IsSupported(kernel == "Vector512" ? GemmPath.Vector512 : GemmPath.Vector256), $"This processor does not run {kernel}.");
        int seed = 0;
        foreach (int m in new[] { 5, 16, 32, 37, 128, 200, 256 })
        {
            foreach (int n in new[] { 6, 10, 13, 128, 257 })
            {
                foreach (int k in new[] { 1, 7, 256, 257, 784 })
                {
                    foreach (bool accumulate in new[] { false, true })
                    {
                        seed++;
                        var x = GemmTestData.Random(m * k, seed);
                        var w = GemmTestData.Random(n * k, seed + 1000);
                        var c0 = GemmTestData.Random((m * n) + 3, seed + 2000);
                        var actual = (float[])c0.Clone();
                        if (kernel == "Vector512")
                            ForwardSmallBatchVector512.Run(x, w, actual, m, n, k, accumulate);
                        else
                            ForwardSmallBatchVector256.Run(x, w, actual, m, n, k, accumulate);

                        var expected = BlockwiseChains(x, w, c0, m, n, k, accumulate);
                        Assert.True(
                            expected.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Select(BitConverter.SingleToInt32Bits)),
                            $"{kernel} m={m} n={n} k={k} accumulate={accumulate}");
                    }
                }
            }
        }
    }

    private static float[] BlockwiseChains(float[] x, float[] w, float[] c0, int m, int n, int k, bool accumulate)
    {
        var c = (float[])c0.Clone();
        int kc = GemmBlocking.KcFor(k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float total = c[(i * n) + j];
                for (int p0 = 0; p0 < k; p0 += kc)
                {
                    float chain = 0f;
                    for (int p = p0; p < Math.Min(k, p0 + kc); p++)
                        chain = MathF.FusedMultiplyAdd(w[(j * k) + p], x[(i * k) + p], chain);
                    total = p0 == 0 && !accumulate ? chain : total + chain;
                }

                c[(i * n) + j] = total;
            }
        }

        return c;
    }
}
