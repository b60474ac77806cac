using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Tests.Kernels;

public class UnitScaleTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(13)]
    [InlineData(65)]
    [InlineData(256)]
    [InlineData(784)]
    public void FromBytes_GivesEachByteOver255_Exactly(int length)
    {
        // Every byte value appears, at every position modulo the vector widths.
        var bytes = Enumerable.Range(0, length).Select(i => (byte)((i * 37) + (i / 256))).ToArray();
        var floats = new float[length + 3];
        UnitScale.FromBytes(bytes, floats);
        for (int i = 0; i < length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(bytes[i] / 255f), BitConverter.SingleToInt32Bits(floats[i]));
        Assert.All(floats[length..], f => Assert.Equal(0f, f));
    }
}
