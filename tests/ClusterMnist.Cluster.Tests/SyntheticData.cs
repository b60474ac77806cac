using ClusterMnist.Core.Data;

namespace ClusterMnist.Cluster.Tests;

/// <summary>Small learnable 28×28 data: each class lights a different band of rows, plus noise.</summary>
internal static class SyntheticData
{
    public static ImageSet Images(int count, int seed)
    {
        const int side = 28;
        var random = new Random(seed);
        var pixels = new byte[count * side * side];
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int label = random.Next(10);
            labels[n] = (byte)label;
            for (int p = 0; p < side * side; p++)
            {
                int row = p / side;
                bool lit = row >= 2 + 2 * label && row < 5 + 2 * label;
                int value = (lit ? 150 : 0) + random.Next(100);
                pixels[n * side * side + p] = (byte)Math.Min(255, value);
            }
        }
        return new ImageSet(pixels, labels, side, side, $"synthetic(seed={seed})");
    }

    public static DataSplit Split(int trainCount = 600, int seed = 1)
        => new(Images(trainCount, seed), Images(200, seed + 1000), "synthetic");
}
