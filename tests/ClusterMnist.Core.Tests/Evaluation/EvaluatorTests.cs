using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Tests.Evaluation;

public class EvaluatorTests
{
    [Theory]
    [InlineData("12-10-4/relu/softmax-ce/dropout=0.4")]
    [InlineData("12-10-4/sigmoid/sigmoid-mse")]
    public void Evaluate_AgreesWithComputeGradient_AndDoesNotDependOnBatchSize(string text)
    {
        const int count = 100;
        var network = new Network(ModelSpec.Parse(text));
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.Uniform, 1);
        var (inputs, labels) = RandomSet(count, network.Spec.InputSize, network.Spec.OutputSize);

        var whole = Evaluator.Evaluate(network, parameters, inputs, labels);
        var small = Evaluator.Evaluate(network, parameters, inputs, labels, batchRows: 7);

        // Without dropout the training pass computes the same per-sample loss and arg-max.
        var noDropout = new Network(network.Spec with { Dropout = 0f });
        var training = noDropout.ComputeGradient(
            parameters, inputs, labels, count, count, 0, new float[network.ParameterCount], noDropout.CreateWorkspace(count));
        Assert.Equal(training.LossSum / count, whole.Loss, 5);
        Assert.Equal(training.Correct / (double)count, whole.Accuracy, 12);
        Assert.Equal(count, whole.Confusion.Total);
        // Batches of 7 rows end with 2, and on AVX2 (8 lanes, k = 12) those take the few-row dot-product kernel, whose
        // summation order differs from the small-batch kernel's: the same loss up to float rounding, not to the bit.
        // (On AVX-512, k = 12 is below one vector and both batch sizes take the same kernel.)
        Assert.Equal(whole.Loss, small.Loss, whole.Loss * 1e-6);
        Assert.Equal(whole.Accuracy, small.Accuracy);
    }

    [Fact]
    public void Evaluate_RejectsMismatchedInputs()
    {
        var network = new Network(ModelSpec.Parse("4-3"));
        var parameters = new float[network.ParameterCount];

        Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(network, parameters, new float[7], new byte[2]));
    }

    private static (float[] Inputs, byte[] Labels) RandomSet(int count, int width, int classes)
    {
        var rng = new Rng(42);
        var inputs = new float[count * width];
        var labels = new byte[count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextFloat();
        }

        for (var i = 0; i < count; i++)
        {
            labels[i] = (byte)rng.NextInt(classes);
        }

        return (inputs, labels);
    }
}
