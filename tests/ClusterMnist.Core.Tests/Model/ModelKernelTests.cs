using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

public class ModelKernelTests
{
    // Lengths that exercise empty input, scalar tails and several whole vectors.
    public static TheoryData<int> Lengths() => [0, 1, 7, 13, 65];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ActivationForwards_MatchScalarFormulas(int length)
    {
        var z = Enumerable.Range(0, length).Select(i => (float)((i * 0.37) - 6)).ToArray();
        var y = new float[length];
        foreach (var activation in Enum.GetValues<Activation>())
        {
            ActivationKernels.Forward(activation, z, y);
            for (var i = 0; i < length; i++)
            {
                double expected = activation switch
                {
                    Activation.Relu => Math.Max(0, z[i]),
                    Activation.Elu => z[i] > 0 ? z[i] : Math.Exp(z[i]) - 1,
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-z[i])),
                    _ => Math.Tanh(z[i]),
                };
                Assert.True(Math.Abs(expected - y[i]) <= 1e-6 + (1e-6 * Math.Abs(expected)), $"{activation}({z[i]}) = {y[i]}, expected {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ActivationBackwards_MatchDerivativeFormulas(int length)
    {
        var z = Enumerable.Range(0, length).Select(i => (float)((i * 0.37) - 6.1)).ToArray();
        var y = new float[length];
        var gradient = new float[length];
        foreach (var activation in Enum.GetValues<Activation>())
        {
            ActivationKernels.Forward(activation, z, y);
            Array.Fill(gradient, 2f);
            ActivationKernels.Backward(activation, y, gradient);
            for (var i = 0; i < length; i++)
            {
                var s = 1 / (1 + Math.Exp(-z[i]));
                var slope = activation switch
                {
                    Activation.Relu => z[i] > 0 ? 1 : 0,
                    Activation.Elu => z[i] > 0 ? 1 : Math.Exp(z[i]),
                    Activation.Sigmoid => s * (1 - s),
                    _ => 1 - (Math.Tanh(z[i]) * Math.Tanh(z[i])),
                };
                Assert.True(Math.Abs((2 * slope) - gradient[i]) <= 1e-5, $"{activation}' at {z[i]}: {gradient[i]} vs {2 * slope}");
            }
        }
    }

    [Fact]
    public void Softmax_StaysFinite_ForHugeLogits()
    {
        float[] logits = [1e30f, -1e30f, 3e38f, 3e38f, 0f, 88f, 89f, 1000f];
        var probabilities = new float[8];
        SoftmaxCrossEntropy.Softmax(logits, probabilities, rows: 2, classes: 4);

        Assert.All(probabilities, p => Assert.True(float.IsFinite(p)));
        Assert.Equal(0.5f, probabilities[2], 6);
        Assert.Equal(0.5f, probabilities[3], 6);
        Assert.Equal(1f, probabilities[7], 6);
    }

    [Fact]
    public void SoftmaxCrossEntropy_GivesFiniteLossAndFusedGradient_ForConfidentlyWrongRow()
    {
        float[] logits = [0f, 1000f, -1000f];
        var gradient = new float[3];
        var loss = SoftmaxCrossEntropy.ForwardBackward(logits, [0], gradient, rows: 1, classes: 3, lossDivisor: 2f, out var correct);

        Assert.True(double.IsFinite(loss));
        Assert.Equal(-Math.Log(SoftmaxCrossEntropy.Tiny), loss, 6);
        Assert.Equal(0, correct);
        Assert.Equal([-0.5f, 0.5f, 0f], gradient);
    }

    [Fact]
    public void SigmoidSquaredError_MatchesHandComputedValues()
    {
        float[] logits = [0f, 0f];
        var gradient = new float[2];
        var loss = SigmoidSquaredError.ForwardBackward(logits, [1], gradient, rows: 1, classes: 2, lossDivisor: 1f, out _);

        // σ = ½ for both: loss ½(¼ + ¼) = ¼; gradient (σ − y)·¼.
        Assert.Equal(0.25, loss, 9);
        Assert.Equal([0.125f, -0.125f], gradient);
    }

    [Fact]
    public void ColumnSumAndBiasAdd_MatchHandComputedValues()
    {
        float[] y = [1, 2, 3, 4, 5, 6];
        BiasAdd.Apply([10f, 20f, 30f], y, rows: 2, width: 3);
        Assert.Equal([11f, 22f, 33f, 14f, 25f, 36f], y);

        var sums = new float[] { float.NaN, float.NaN, float.NaN };
        ColumnSum.Compute(y, sums, rows: 2, width: 3);
        Assert.Equal([25f, 47f, 69f], sums);

        ColumnSum.Compute([], sums, rows: 0, width: 3);
        Assert.Equal([0f, 0f, 0f], sums);
    }
}
