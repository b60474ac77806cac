using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

public class NetworkTests
{
    [Fact]
    public void Segments_LayOutWeightsAndBiasesContiguously()
    {
        var network = new Network(ModelSpec.Parse("4-3-2"));

        Assert.Equal(
            [new("W1", 0, 12), new("b1", 12, 3), new("W2", 15, 6), new("b2", 21, 2)],
            network.Segments);
        Assert.Equal(23, network.ParameterCount);
        Assert.Equal(network.Spec.ParameterCount, network.ParameterCount);
    }

    [Fact]
    public void ComputeGradient_OverwritesStaleGradientContents()
    {
        var (network, parameters, inputs, labels) = Problem("6-8-5-4/relu/softmax-ce/dropout=0.2", rows: 10);
        var workspace = network.CreateWorkspace(10);
        var fresh = new float[network.ParameterCount];
        network.ComputeGradient(parameters, inputs, labels, 10, 10f, 5, fresh, workspace);

        var stale = Enumerable.Repeat(float.NaN, network.ParameterCount).ToArray();
        network.ComputeGradient(parameters, inputs, labels, 10, 10f, 5, stale, workspace);

        Assert.Equal(fresh, stale);
    }

    [Fact]
    public void ComputeGradient_ClearsGradient_WhenThereAreNoRows()
    {
        var (network, parameters, _, _) = Problem("6-8-4", rows: 1);
        var gradient = Enumerable.Repeat(float.NaN, network.ParameterCount).ToArray();

        var result = network.ComputeGradient(parameters, [], [], 0, 1f, 0, gradient, network.CreateWorkspace(4));

        Assert.Equal(default, result);
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void ComputeGradient_IsBitIdentical_AcrossThreads()
    {
        var (network, parameters, inputs, labels) = Problem("20-16-12-5/elu/softmax-ce/dropout=0.3", rows: 32);

        float[] Run()
        {
            var gradient = new float[network.ParameterCount];
            var workspace = network.CreateWorkspace(32);
            for (var i = 0; i < 20; i++)
            {
                network.ComputeGradient(parameters, inputs, labels, 32, 64f, 1234, gradient, workspace);
            }

            return gradient;
        }

        var results = new float[4][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = Run());
        var local = Run();

        foreach (var result in results)
        {
            Assert.Equal(BitsOf(local), BitsOf(result));
        }
    }

    [Fact]
    public void Dropout_GivesSameGradient_ForSameSeed_AndDifferentForDifferentSeed()
    {
        var (network, parameters, inputs, labels) = Problem("10-16-8-3/relu/softmax-ce/dropout=0.5", rows: 8);
        var workspace = network.CreateWorkspace(8);

        var a = Gradient(network, parameters, inputs, labels, 8, seed: 1, workspace, out var lossA);
        var b = Gradient(network, parameters, inputs, labels, 8, seed: 1, network.CreateWorkspace(8), out var lossB);
        var c = Gradient(network, parameters, inputs, labels, 8, seed: 2, workspace, out var lossC);

        Assert.Equal(BitsOf(a), BitsOf(b));
        Assert.Equal(lossA, lossB);
        Assert.NotEqual(BitsOf(a), BitsOf(c));
        Assert.NotEqual(lossA, lossC);
    }

    [Fact]
    public void Dropout_MasksAboutTheRateWithInvertedScaling()
    {
        var (network, parameters, inputs, labels) = Problem("10-200-3/relu/softmax-ce/dropout=0.25", rows: 50);
        var workspace = network.CreateWorkspace(50);
        Gradient(network, parameters, inputs, labels, 50, seed: 3, workspace, out _);

        var mask = workspace.Masks[0];
        Assert.All(mask, m => Assert.True(m == 0f || m == 1f / 0.75f, $"mask value {m}"));
        var dropped = mask.Count(m => m == 0f) / (double)mask.Length;
        Assert.InRange(dropped, 0.23, 0.27);
    }

    [Fact]
    public void Dropout_OfZero_UsesNoMask_SoSeedDoesNotMatter()
    {
        var (network, parameters, inputs, labels) = Problem("10-16-8-3/relu/softmax-ce/dropout=0", rows: 8);
        var workspace = network.CreateWorkspace(8);

        var a = Gradient(network, parameters, inputs, labels, 8, seed: 1, workspace, out var lossA);
        var b = Gradient(network, parameters, inputs, labels, 8, seed: 2, workspace, out var lossB);

        Assert.Equal(BitsOf(a), BitsOf(b));
        Assert.Equal(lossA, lossB);
        Assert.All(workspace.Masks, m => Assert.Empty(m));
    }

    [Fact]
    public void Predict_AppliesNoDropout_AndMatchesReference()
    {
        var (network, parameters, inputs, _) = Problem("10-16-8-3/tanh/softmax-ce/dropout=0.5", rows: 5);
        var outputs = new float[5 * 3];
        network.Predict(parameters, inputs, 5, outputs, network.CreateWorkspace(5));

        var theta = parameters.Select(p => (double)p).ToArray();
        for (var r = 0; r < 5; r++)
        {
            var expected = ReferenceNetwork.RowOutput(network.Spec, theta, inputs, r, masks: null);
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(expected[j], outputs[(r * 3) + j], 5);
            }
        }
    }

    [Fact]
    public void Predict_ReturnsSigmoids_ForSigmoidSquaredError()
    {
        var (network, parameters, inputs, _) = Problem("10-16-3/sigmoid/sigmoid-mse", rows: 4);
        var outputs = new float[4 * 3];
        network.Predict(parameters, inputs, 4, outputs, network.CreateWorkspace(4));

        var theta = parameters.Select(p => (double)p).ToArray();
        var expected = ReferenceNetwork.RowOutput(network.Spec, theta, inputs, 2, masks: null);
        Assert.Equal(expected[1], outputs[7], 5);
        Assert.NotEqual(1.0, outputs.Take(3).Sum(), 3);
    }

    [Fact]
    public void ComputeGradient_AllocatesNothing_AfterWarmUp()
    {
        var (network, parameters, inputs, labels) = Problem("30-20-10/relu/softmax-ce/dropout=0.1", rows: 32);
        var workspace = network.CreateWorkspace(32);
        var gradient = new float[network.ParameterCount];
        network.ComputeGradient(parameters, inputs, labels, 32, 32f, 0, gradient, workspace);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            network.ComputeGradient(parameters, inputs, labels, 32, 32f, (ulong)i, gradient, workspace);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ComputeGradient_RejectsBadArguments()
    {
        var (network, parameters, inputs, labels) = Problem("6-4-3", rows: 4);
        var workspace = network.CreateWorkspace(4);
        var gradient = new float[network.ParameterCount];

        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeGradient(parameters, inputs, labels, 5, 1f, 0, gradient, workspace));
        Assert.Throws<ArgumentException>(() => network.ComputeGradient(parameters, inputs, labels, 4, 1f, 0, new float[3], workspace));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeGradient(parameters, inputs, labels, 4, 0f, 0, gradient, workspace));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.ComputeGradient(parameters, inputs, [0, 1, 2, 3], 4, 1f, 0, gradient, workspace));
        var other = new Network(ModelSpec.Parse("6-5-3"));
        Assert.Throws<ArgumentException>(() => network.ComputeGradient(parameters, inputs, labels, 4, 1f, 0, gradient, other.CreateWorkspace(4)));
    }

    [Fact]
    public void ComputeGradient_CountsCorrectArgmaxPredictions()
    {
        var (network, parameters, inputs, _) = Problem("6-8-4", rows: 12);
        var workspace = network.CreateWorkspace(12);
        var outputs = new float[12 * 4];
        network.Predict(parameters, inputs, 12, outputs, workspace);
        var predicted = Enumerable.Range(0, 12).Select(r => (byte)(Array.IndexOf(outputs, outputs.Skip(r * 4).Take(4).Max(), r * 4, 4) - (r * 4))).ToArray();
        var labels = predicted.Select((p, r) => r % 3 == 0 ? (byte)((p + 1) % 4) : p).ToArray();

        var result = network.ComputeGradient(parameters, inputs, labels, 12, 12f, 0, new float[network.ParameterCount], workspace);

        Assert.Equal(8, result.Correct);
    }

    internal static (Network Network, float[] Parameters, float[] Inputs, byte[] Labels) Problem(string spec, int rows)
    {
        var network = new Network(ModelSpec.Parse(spec));
        return (network, TestData.Parameters(network, Initialization.Xavier, 7),
            TestData.Inputs(rows, network.Spec.InputSize, 8), TestData.Labels(rows, network.Spec.OutputSize, 9));
    }

    private static float[] Gradient(
        Network network, float[] parameters, float[] inputs, byte[] labels, int rows, ulong seed, NetworkWorkspace workspace, out double loss)
    {
        var gradient = new float[network.ParameterCount];
        loss = network.ComputeGradient(parameters, inputs, labels, rows, rows, seed, gradient, workspace).LossSum;
        return gradient;
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
