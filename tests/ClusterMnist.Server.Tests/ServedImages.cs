using ClusterMnist.Core.Data;
using ClusterMnist.Tests.Shared;

namespace ClusterMnist.Server.Tests;

/// <summary>Images to compare served models on: the 2,000 held-out real digits of digits-split, or synthetic ones without CLUSTERMNIST_DATA.</summary>
internal static class ServedImages
{
    public static (float[] Inputs, int Rows) Load()
    {
        var set = TrainedModel.LoadDigits()?.Test ?? SyntheticImages.Create(1000, seed: 5);
        var inputs = new float[set.Count * set.PixelsPerImage];
        set.Gather(Enumerable.Range(0, set.Count).ToArray(), inputs, new byte[set.Count]);
        return (inputs, set.Count);
    }
}
