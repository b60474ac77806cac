using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Tests.Model;

/// <summary>Small random problems for the model tests.</summary>
internal static class TestData
{
    public static float[] Inputs(int rows, int width, ulong seed)
    {
        var rng = new Rng(seed);
        var values = new float[rows * width];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = rng.NextFloat();
        }

        return values;
    }

    public static byte[] Labels(int rows, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var labels = new byte[rows];
        for (var i = 0; i < rows; i++)
        {
            labels[i] = (byte)rng.NextInt(classes);
        }

        return labels;
    }

    public static float[] Parameters(Network network, Initialization init, ulong seed)
    {
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, init, seed);
        return parameters;
    }
}
