using ClusterMnist.Core.Data;
using ClusterMnist.Tests.Shared;

namespace ClusterMnist.Core.Tests.Training;

/// <summary>The training tests' sizes of <see cref="SyntheticImages"/>.</summary>
internal static class SyntheticData
{
    public static ImageSet Images(int count, int seed) => SyntheticImages.Create(count, seed);

    public static DataSplit Split(int trainCount = 2000, int seed = 1) => SyntheticImages.Split(trainCount, 500, seed);
}
