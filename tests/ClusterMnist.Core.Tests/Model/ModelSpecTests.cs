using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

public class ModelSpecTests
{
    [Fact]
    public void Parse_UsesDefaults_WhenOnlySizesAreGiven()
    {
        var spec = ModelSpec.Parse("784-256-128-10");

        Assert.Equal([784, 256, 128, 10], spec.LayerSizes);
        Assert.Equal(Activation.Relu, spec.Hidden);
        Assert.Equal(OutputLoss.SoftmaxCrossEntropy, spec.Output);
        Assert.Equal(0f, spec.Dropout);
        Assert.Equal(784, spec.InputSize);
        Assert.Equal(10, spec.OutputSize);
        Assert.Equal((784 * 256) + 256 + (256 * 128) + 128 + (128 * 10) + 10, spec.ParameterCount);
    }

    [Fact]
    public void TrainingFlopsPerSample_CountsForwardWeightAndHiddenInputGradients()
    {
        // Forward and weight gradient of every layer, input gradient of layers 2 and 3: about 1.01 MFLOP.
        Assert.Equal(1_007_104, ModelSpec.Parse("784-256-128-10").TrainingFlopsPerSample);
        Assert.Equal(4 * 784 * 10, ModelSpec.Parse("784-10").TrainingFlopsPerSample);
    }

    [Fact]
    public void Parse_ReadsCanonicalForm()
    {
        var spec = ModelSpec.Parse("784-30-10/sigmoid/sigmoid-mse/dropout=0.2");

        Assert.Equal([784, 30, 10], spec.LayerSizes);
        Assert.Equal(Activation.Sigmoid, spec.Hidden);
        Assert.Equal(OutputLoss.SigmoidSquaredError, spec.Output);
        Assert.Equal(0.2f, spec.Dropout);
    }

    [Theory]
    [InlineData("784-256-128-10/relu/softmax-ce/dropout=0.2")]
    [InlineData("2-3/elu/sigmoid-mse/dropout=0")]
    [InlineData("784-10/tanh/softmax-ce/dropout=0.123456789")]
    public void ToString_RoundTripsThroughParse(string text)
    {
        var spec = ModelSpec.Parse(text);
        var again = ModelSpec.Parse(spec.ToString());

        Assert.Equal(spec, again);
        Assert.Equal(spec.ToString(), again.ToString());
    }

    [Fact]
    public void ToString_PrintsCanonicalForm()
    {
        Assert.Equal("784-256-128-10/relu/softmax-ce/dropout=0.2", ModelSpec.Parse("784-256-128-10/DROPOUT=0.2").ToString());
        Assert.Equal("784-10/relu/softmax-ce/dropout=0", ModelSpec.Parse(" 784 - 10 ").ToString());
    }

    [Fact]
    public void Equals_ComparesLayerSizesElementWise()
    {
        var a = new ModelSpec(new List<int> { 4, 5, 3 }, Activation.Tanh, OutputLoss.SoftmaxCrossEntropy, 0.1f);
        var b = new ModelSpec(new[] { 4, 5, 3 }, Activation.Tanh, OutputLoss.SoftmaxCrossEntropy, 0.1f);
        var c = new ModelSpec(new[] { 4, 6, 3 }, Activation.Tanh, OutputLoss.SoftmaxCrossEntropy, 0.1f);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, b with { Hidden = Activation.Relu });
        Assert.NotEqual(a, b with { Dropout = 0.2f });
    }

    [Fact]
    public void LayerSizes_IsACopy_SoLaterChangesToTheSourceDoNotLeakIn()
    {
        var sizes = new List<int> { 4, 5, 3 };
        var spec = new ModelSpec(sizes, Activation.Relu, OutputLoss.SoftmaxCrossEntropy, 0f);
        sizes[1] = 99;

        Assert.Equal(5, spec.LayerSizes[1]);
    }

    [Theory]
    [InlineData("", "at least an input and an output")]
    [InlineData("784", "at least an input and an output")]
    [InlineData("784-0-10", "'0' is not a positive")]
    [InlineData("784--10", "'' is not a positive")]
    [InlineData("784-x-10", "'x' is not a positive")]
    [InlineData("784-99999999999-10", "'99999999999' is too large")]
    [InlineData("784-000-10", "'000' is not a positive")]
    [InlineData("784--5-10", "not a positive")]
    [InlineData("784-10/swish", "unknown part 'swish'")]
    [InlineData("784-10/relu/softmax", "unknown part 'softmax'")]
    [InlineData("784-10/dropout=1", "dropout '1' must be a number in [0, 1)")]
    [InlineData("784-10/dropout=-0.1", "must be a number in [0, 1)")]
    [InlineData("784-10/dropout=abc", "must be a number in [0, 1)")]
    [InlineData("784-10/relu/tanh", "activation twice")]
    [InlineData("784-10/softmax-ce/sigmoid-mse", "output twice")]
    public void Parse_ThrowsHelpfulFormatException_ForBadSpecs(string text, string expectedFragment)
    {
        var error = Assert.Throws<FormatException>(() => ModelSpec.Parse(text));

        Assert.Contains(expectedFragment, error.Message, StringComparison.Ordinal);
        Assert.False(ModelSpec.TryParse(text, out _));
    }

    [Fact]
    public void Constructor_ThrowsArgumentException_ForInvalidValues()
    {
        Assert.Throws<ArgumentException>(() => new ModelSpec([10], Activation.Relu, OutputLoss.SoftmaxCrossEntropy, 0f));
        Assert.Throws<ArgumentException>(() => new ModelSpec([10, -1], Activation.Relu, OutputLoss.SoftmaxCrossEntropy, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelSpec([10, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelSpec([10, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy, float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelSpec([10, 2], (Activation)42, OutputLoss.SoftmaxCrossEntropy, 0f));
        var valid = new ModelSpec([10, 2], Activation.Relu, OutputLoss.SoftmaxCrossEntropy, 0f);
        Assert.Throws<ArgumentOutOfRangeException>(() => valid with { Dropout = 2f });
    }
}
