using ClusterMnist.Core.Data;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Cli.Commands;

/// <summary>Random images and labels held in memory, so `bench train` measures the engine and not the disk.</summary>
internal static class SyntheticData
{
    public static DataSplit Create(int inputSize, int classes, int trainCount, int testCount, ulong seed)
    {
        var rng = new Rng(seed);
        return new DataSplit(Set(ref rng, inputSize, classes, trainCount), Set(ref rng, inputSize, classes, testCount), "synthetic");
    }

    private static ImageSet Set(ref Rng rng, int inputSize, int classes, int count)
    {
        var pixels = new byte[(long)inputSize * count];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)rng.NextUInt32();
        }

        var labels = new byte[count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)rng.NextInt(classes);
        }

        // One row of inputSize "pixels" fits any input width, not only 28×28.
        return new ImageSet(pixels, labels, 1, inputSize, "synthetic");
    }
}
