using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

/// <summary>End-to-end sanity: plain gradient descent with the computed gradient actually learns.</summary>
public class LearningTests
{
    private static readonly float[] XorInputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly byte[] XorLabels = [0, 1, 1, 0];

    [Theory]
    [InlineData("2-8-2/tanh/softmax-ce", Initialization.Xavier, 0.5f)]
    [InlineData("2-8-2/relu/softmax-ce", Initialization.He, 0.5f)]
    [InlineData("2-8-2/sigmoid/sigmoid-mse", Initialization.Uniform, 4f)]
    public void Network_LearnsXor_WithPlainGradientSteps(string text, Initialization init, float learningRate)
    {
        var network = new Network(ModelSpec.Parse(text));
        var parameters = TestData.Parameters(network, init, 11);
        var gradient = new float[network.ParameterCount];
        var workspace = network.CreateWorkspace(4);

        var first = network.ComputeGradient(parameters, XorInputs, XorLabels, 4, 4f, 0, gradient, workspace);
        GradientResult last = first;
        for (var step = 0; step < 3000; step++)
        {
            last = network.ComputeGradient(parameters, XorInputs, XorLabels, 4, 4f, (ulong)step, gradient, workspace);
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= learningRate * gradient[i];
            }
        }

        Assert.Equal(4, last.Correct);
        Assert.True(last.LossSum < first.LossSum * 0.1, $"loss went from {first.LossSum} to {last.LossSum}");
    }

    [Fact]
    public void Network_LearnsSyntheticClusters_WithDropout()
    {
        // Four classes, each a noisy copy of its own prototype pattern over 16 inputs.
        const int rows = 64;
        var network = new Network(ModelSpec.Parse("16-24-4/relu/softmax-ce/dropout=0.2"));
        var parameters = TestData.Parameters(network, Initialization.He, 3);
        var labels = TestData.Labels(rows, 4, 4);
        var noise = TestData.Inputs(rows, 16, 5);
        var inputs = new float[rows * 16];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < 16; i++)
            {
                inputs[(r * 16) + i] = (i / 4 == labels[r] ? 0.7f : 0f) + (0.3f * noise[(r * 16) + i]);
            }
        }

        var gradient = new float[network.ParameterCount];
        var workspace = network.CreateWorkspace(rows);
        var first = network.ComputeGradient(parameters, inputs, labels, rows, rows, 0, gradient, workspace);
        for (var step = 1; step <= 300; step++)
        {
            network.ComputeGradient(parameters, inputs, labels, rows, rows, (ulong)step, gradient, workspace);
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= 0.2f * gradient[i];
            }
        }

        var outputs = new float[rows * 4];
        network.Predict(parameters, inputs, rows, outputs, workspace);
        var loss = 0.0;
        for (var r = 0; r < rows; r++)
        {
            loss -= Math.Log(outputs[(r * 4) + labels[r]]);
        }

        Assert.True(loss < first.LossSum * 0.05, $"loss went from {first.LossSum} to {loss}");
    }
}
