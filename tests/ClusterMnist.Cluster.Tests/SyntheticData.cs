using ClusterMnist.Core.Data;
using ClusterMnist.Tests.Shared;

namespace ClusterMnist.Cluster.Tests;

/// <summary>The cluster tests' sizes of <see cref="SyntheticImages"/>.</summary>
internal static class SyntheticData
{
    public static ImageSet Images(int count, int seed) => SyntheticImages.Create(count, seed);

    public static DataSplit Split(int trainCount = 600, int seed = 1) => SyntheticImages.Split(trainCount, 200, seed);
}
