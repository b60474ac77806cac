using ClusterMnist.Core.Model;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Tests;

/// <summary>Small random models and inputs for API tests that need a model but not a trained one.</summary>
internal static class TestModels
{
    public static readonly ModelSpec Spec = ModelSpec.Parse("784-32-10");

    public static ParameterSnapshot Snapshot(ulong seed, long version, long step = 0, int epoch = 0)
    {
        var network = new Network(Spec);
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.He, seed);
        return new ParameterSnapshot(Spec, parameters, version, step, epoch);
    }

    /// <summary>A deterministic image as 0–255 integers with a spread of values, including 0 and 255.</summary>
    public static int[] Pixels(int seed)
    {
        var pixels = new int[784];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (i * 37 + seed * 101) % 256;
        }

        return pixels;
    }

    /// <summary>What the server must answer for <paramref name="inputs"/> (already in [0,1]) predicted one at a time.</summary>
    public static float[] Expected(ParameterSnapshot snapshot, float[] inputs)
    {
        var outputs = new float[snapshot.Spec.OutputSize];
        snapshot.Network.Predict(snapshot.Parameters, inputs, 1, outputs, snapshot.Network.CreateWorkspace(1));
        return outputs;
    }

    public static float[] Scaled(int[] pixels)
    {
        var floats = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            floats[i] = pixels[i] / 255f;
        }

        return floats;
    }
}
