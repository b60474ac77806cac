using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Tests.Model;

public class DropoutKernelTests
{
    [Theory]
    [InlineData(0.1f, 8192)]
    [InlineData(0.2f, 4096)]
    [InlineData(0.5f, 333)]
    [InlineData(0.3f, 1)]
    [InlineData(1e-7f, 1000)]
    [InlineData(0.999f, 1000)]
    [InlineData(0.25f, 0)]
    public void Forward_DrawsTheMasksOfNextFloat_AndLeavesTheGeneratorWhereItWould(float rate, int length)
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.3f).ToArray();
        var mask = new float[length];
        var y = new float[length];
        var rng = Rng.ForStream(42, 7, 3);
        DropoutKernel.Forward(x, mask, y, rate, ref rng);

        // The definition: one NextFloat per element, row-major; y = x·mask.
        var reference = Rng.ForStream(42, 7, 3);
        float scale = 1f / (1f - rate);
        for (int i = 0; i < length; i++)
        {
            float expected = reference.NextFloat() < rate ? 0f : scale;
            Assert.Equal(expected, mask[i]);
            Assert.Equal(BitConverter.SingleToInt32Bits(x[i] * expected), BitConverter.SingleToInt32Bits(y[i]));
        }

        Assert.Equal(reference.State, rng.State);
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
