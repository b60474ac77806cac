using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Export;

/// <summary>
/// Networks trained for one epoch on digits-split (the first 8,000 MNIST test images), and the 2,000 held-out
/// images they are checked on: trained weights give the peaked probabilities real models have, which random
/// weights would not.
/// </summary>
internal static class QuickTrainedNetworks
{
    public static float[] Train(ModelSpec spec, DataSplit data)
    {
        // Xavier for the saturating activations, as they are usually trained: with He a deep sigmoid net learns little in one epoch.
        var init = spec.Hidden is Activation.Sigmoid or Activation.Tanh ? Initialization.Xavier : Initialization.He;
        var options = new TrainingOptions(spec, init, new OptimizerSpec(OptimizerKind.Adam),
            new LearningRateSchedule(ScheduleKind.Constant, 0.002f), BatchSize: 64, Epochs: 1, Workers: 1, Seed: 11);
        return new LocalTrainer(options, data).Run().Parameters;
    }

    /// <summary>All images of <paramref name="set"/> as floats in 0–1 (byte/255, as training reads them).</summary>
    public static float[] Inputs(ImageSet set)
    {
        var indices = Enumerable.Range(0, set.Count).ToArray();
        var inputs = new float[set.Count * set.PixelsPerImage];
        set.Gather(indices, inputs, new byte[set.Count]);
        return inputs;
    }

    public static float[] Predict(ModelSpec spec, float[] parameters, float[] inputs, int rows)
    {
        var network = new Network(spec);
        var outputs = new float[rows * spec.OutputSize];
        network.Predict(parameters, inputs, rows, outputs, network.CreateWorkspace(rows));
        return outputs;
    }
}
