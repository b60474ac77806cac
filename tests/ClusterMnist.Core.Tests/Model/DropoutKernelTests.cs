using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Tests.Model;

public class DropoutKernelTests
{
    public static TheoryData<float, int[]> Streams => new()
    {
        { 0.1f, [8192, 8192, 4096, 4096] },                  // 2 shards of 32 rows, 784-256-128-10
        { 0.2f, [1, 7, 8, 9, 15, 16, 17, 100, 333, 0, 64] },  // tails shorter and longer than a lane group
        { 0.5f, Enumerable.Range(1, 19).Select(i => i * 37).ToArray() },  // more streams than lanes, all lengths
        { 1e-7f, [1000, 24] },
        { 0.999f, [1000, 3] },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void Fill_DrawsEveryStreamAsNextFloatWould(float rate, int[] counts)
    {
        var masks = new[] { new float[counts.Sum() + 5], new float[counts.Sum()] };
        var streams = new List<MaskStream>();
        for (int i = 0, offset = 0; i < counts.Length; offset += counts[i], i++)
            streams.Add(new MaskStream(i % 2, offset, counts[i], Rng.ForStream(42, (ulong)i, 3)));
        DropoutMasks.Fill(streams.ToArray(), rate, masks);

        // The definition: stream i draws one NextFloat per element, in order; below the rate drops.
        float scale = 1f / (1f - rate);
        foreach (var stream in streams)
        {
            var reference = stream.Generator;
            for (int e = 0; e < stream.Count; e++)
                Assert.Equal(reference.NextFloat() < rate ? 0f : scale, masks[stream.Layer][stream.Offset + e]);
        }
    }

    [Fact]
    public void DropThreshold_SplitsTheDrawsExactlyAtTheRate()
    {
        // For every rate, the largest dropped draw is below it and the smallest kept one is not.
        foreach (float rate in new[] { 0.1f, 0.2f, 0.5f, 1e-7f, 0.999f, MathF.ScaleB(3, -24), 0.3f })
        {
            ulong threshold = DropoutKernel.DropThreshold(rate);
            Assert.True(threshold == 0 || (threshold - 1) * (1.0f / (1 << 24)) < rate);
            Assert.False(threshold * (1.0f / (1 << 24)) < rate);
        }
    }
}
