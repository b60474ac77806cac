using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Data;

/// <summary>
/// Random images and labels held in memory: for `bench train`, which measures the engine and not the disk, and for
/// the in-process cluster's warm-up, which needs images of a model's input size before any data set is loaded.
/// </summary>
public static class RandomImages
{
    /// <summary>A split of <paramref name="trainCount"/> and <paramref name="testCount"/> images of <paramref name="inputSize"/> pixels in <paramref name="classes"/> classes.</summary>
    public static DataSplit Create(int inputSize, int classes, int trainCount, int testCount, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);
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
