using ClusterMnist.Core.Data;

namespace ClusterMnist.Tests.Shared;

/// <summary>
/// Small learnable 28×28 data for tests that must not need the real data sets: each class lights a different
/// band of rows, plus noise. Compiled into every test project that trains (linked from tests/Shared).
/// </summary>
internal static class SyntheticImages
{
    public static ImageSet Create(int count, int seed)
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
                bool lit = row >= 2 + (2 * label) && row < 5 + (2 * label);
                pixels[(n * side * side) + p] = (byte)Math.Min(255, (lit ? 150 : 0) + random.Next(100));
            }
        }

        return new ImageSet(pixels, labels, side, side, $"synthetic(seed={seed})");
    }

    public static DataSplit Split(int trainCount, int testCount, int seed)
        => new(Create(trainCount, seed), Create(testCount, seed + 1000), "synthetic");
}
