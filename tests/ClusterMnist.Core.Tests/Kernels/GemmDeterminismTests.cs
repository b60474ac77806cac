using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

/// <summary>
/// The trainer sums per-shard gradients computed on different threads and requires identical
/// bits, so a GEMM result must depend only on the inputs and the shape.
/// </summary>
public class GemmDeterminismTests
{
    public static TheoryData<GemmForm, int, int, int> Shapes => new()
    {
        { GemmForm.Forward, 32, 256, 784 },
        { GemmForm.BackwardInput, 65, 129, 257 },
        { GemmForm.BackwardWeights, 256, 784, 32 },
        { GemmForm.Forward, 13, 7, 65 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gemm_GivesIdenticalBits_WhenInputsSitAtDifferentOffsets(GemmForm form, int m, int n, int k)
    {
        var a = GemmTestData.Random(m * k, 1);
        var b = GemmTestData.Random(k * n, 2);
        var c0 = GemmTestData.Random(m * n, 3);
        foreach (var path in GemmTestData.SupportedPaths)
        {
            foreach (bool accumulate in new[] { false, true })
            {
                int[]? baseline = null;
                // Offsets of 1..15 floats move each span off 64-byte alignment in every possible way.
                foreach (int offset in new[] { 0, 1, 3, 7, 8, 15 })
                {
                    var aCopy = Shifted(a, offset);
                    var bCopy = Shifted(b, (offset * 5) % 16);
                    var cCopy = Shifted(c0, (offset * 3) % 16);
                    GemmTestData.Run(
                        form, path, aCopy.AsSpan(offset, a.Length), bCopy.AsSpan((offset * 5) % 16, b.Length),
                        cCopy.AsSpan((offset * 3) % 16, c0.Length), m, n, k, accumulate);
                    var bits = Bits(cCopy.AsSpan((offset * 3) % 16, c0.Length));
                    baseline ??= bits;
                    Assert.True(baseline.SequenceEqual(bits), $"{form} {path} accumulate={accumulate}: offset {offset} changed the result bits.");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gemm_GivesIdenticalBits_RegardlessOfEarlierCallsAndThreads(GemmForm form, int m, int n, int k)
    {
        var a = GemmTestData.Random(m * k, 4);
        var b = GemmTestData.Random(k * n, 5);
        foreach (var path in GemmTestData.SupportedPaths.Where(p => p != GemmPath.Scalar))
        {
            var first = RunOnce(form, path, a, b, m, n, k);

            // A larger call first leaves different data in this thread's packing buffers.
            var big = GemmTestData.Random(300 * 300, 6);
            GemmTestData.Run(form, path, big, big, new float[300 * 300], 300, 300, 300, accumulate: false);
            Assert.True(first.SequenceEqual(RunOnce(form, path, a, b, m, n, k)), $"{form} {path}: an earlier call changed the result.");

            var results = new int[4][];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = RunOnce(form, path, a, b, m, n, k));
            foreach (var result in results)
            {
                Assert.True(first.SequenceEqual(result), $"{form} {path}: a concurrent call on another thread changed the result.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gemm_AllocatesNothing_AfterTheFirstCallOnAThread(GemmForm form, int m, int n, int k)
    {
        var a = GemmTestData.Random(m * k, 7);
        var b = GemmTestData.Random(k * n, 8);
        var c = new float[m * n];
        foreach (var path in GemmTestData.SupportedPaths.Where(p => p != GemmPath.Scalar))
        {
            GemmTestData.Run(form, path, a, b, c, m, n, k, accumulate: false);
            GemmTestData.Run(form, path, a, b, c, m, n, k, accumulate: true);

            // A per-call allocation shows in every measurement; the runtime's own one-off work on
            // this thread (tiered recompilation bookkeeping) can show in one, so take the least of three.
            long least = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                GemmTestData.Run(form, path, a, b, c, m, n, k, accumulate: true);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            Assert.Equal(0, least);
        }
    }

    private static int[] RunOnce(GemmForm form, GemmPath path, float[] a, float[] b, int m, int n, int k)
    {
        var c = new float[m * n];
        GemmTestData.Run(form, path, a, b, c, m, n, k, accumulate: false);
        return Bits(c);
    }

    private static float[] Shifted(float[] values, int offset)
    {
        var copy = new float[values.Length + 16];
        values.CopyTo(copy, offset);
        return copy;
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }
}
