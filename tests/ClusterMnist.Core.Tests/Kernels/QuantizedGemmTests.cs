using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

public class QuantizedGemmTests
{
    public static TheoryData<int, int, int[]> Shapes => new()
    {
        { 256, 784, [32, 32, 32, 32] },
        { 128, 256, [32, 32, 4] },
        { 10, 128, [32] },
        { 13, 65, [17, 32, 7] },
        { 7, 33, [1] },
        { 1, 1, [3, 1] },
        { 8, 32, [32, 32] },
        { 65, 129, [257] },
        { 13, 40, [100, 100, 100, 7, 32, 32, 32, 32, 32, 32, 32] },   // more rows than one chunk of the fused kernel
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedA_MatchesPerBlockGemmThenRounding_Bitwise(int m, int n, int[] blocks)
    {
        int k = blocks.Sum();
        var a = GemmTestData.Random(k * m, 11);
        var b = GemmTestData.Random(k * n, 12);
        float scale = MathF.ScaleB(1f, 20);
        foreach (bool overwrite in new[] { false, true })
        {
            var start = Enumerable.Range(0, m * n).Select(i => (i * 7919) % 200_001 - 100_000).ToArray();
            var fused = start.ToArray();
            int fusedMax = QuantizedGemm.MultiplyTransposedA(a, b, blocks, scale, fused, m, n, overwrite);

            // The definition: every block's product through the GEMM the layers use, rounded to even, added (or first stored).
            var expected = start.ToArray();
            var product = new float[m * n];
            float max = 0;
            int row = 0;
            for (int block = 0; block < blocks.Length; block++)
            {
                Gemm.MultiplyTransposedA(a.AsSpan(row * m, blocks[block] * m), b.AsSpan(row * n, blocks[block] * n), product, m, n, blocks[block]);
                for (int i = 0; i < product.Length; i++)
                {
                    int q = (int)MathF.Round(product[i] * scale);
                    expected[i] = overwrite && block == 0 ? q : expected[i] + q;
                    max = MathF.Max(max, MathF.Abs(product[i]));
                }

                row += blocks[block];
            }

            Assert.Equal(expected, fused);
            Assert.Equal(max, QuantizedGemm.MaxAbs(fusedMax));
            var reference = start.ToArray();
            Assert.Equal(fusedMax, QuantizedGemm.Reference(a, b, blocks, scale, reference, m, n, overwrite));
            Assert.Equal(expected, reference);
        }
    }

    [Fact]
    public void MultiplyTransposedA_ReportsNaN_WhereverItIs()
    {
        foreach (int at in new[] { 0, 37, (40 * 13) - 1 })
        {
            var a = GemmTestData.Random(40 * 13, 3);
            var b = GemmTestData.Random(40 * 70, 4);
            a[at] = float.NaN;
            int bits = QuantizedGemm.MultiplyTransposedA(a, b, [32, 8], 1f, new int[13 * 70], 13, 70, overwrite: true);
            Assert.True(float.IsNaN(QuantizedGemm.MaxAbs(bits)));
        }
    }

    [Fact]
    public void MultiplyTransposedA_ReportsInfinity_AsInfinity()
    {
        var a = GemmTestData.Random(32 * 8, 5);
        var b = GemmTestData.Random(32 * 32, 6);
        a[9] = float.PositiveInfinity;
        b[32] = 0.5f;
        int bits = QuantizedGemm.MultiplyTransposedA(a, b, [32], 1f, new int[8 * 32], 8, 32, overwrite: true);
        Assert.Equal(float.PositiveInfinity, QuantizedGemm.MaxAbs(bits));
    }
}
