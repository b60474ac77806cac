using ClusterMnist.Core.Data;
using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Tests.Evaluation;

public class EvaluatorImageSetTests
{
    [Fact]
    public void Evaluate_OnImageSet_MatchesEvaluateOnScaledFloats()
    {
        const int count = 37;
        var rng = new Rng(9);
        var pixels = new byte[count * 4 * 3];
        var labels = new byte[count];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)rng.NextInt(256);
        }

        for (var i = 0; i < count; i++)
        {
            labels[i] = (byte)rng.NextInt(5);
        }

        var set = new ImageSet(pixels, labels, 4, 3, "synthetic");
        var network = new Network(ModelSpec.Parse("12-9-5/tanh/softmax-ce"));
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.Xavier, 3);

        var fromSet = Evaluator.Evaluate(network, parameters, set, batchRows: 8);
        var fromFloats = Evaluator.Evaluate(network, parameters, pixels.Select(p => p / 255f).ToArray(), labels);

        Assert.Equal(fromFloats.Loss, fromSet.Loss, 12);
        Assert.Equal(fromFloats.Accuracy, fromSet.Accuracy);
        Assert.Equal(count, fromSet.Confusion.Total);
    }

    [Fact]
    public void Evaluate_OnImageSet_RejectsWrongImageSize()
    {
        var set = new ImageSet(new byte[2 * 9], new byte[2], 3, 3, "tiny");
        var network = new Network(ModelSpec.Parse("12-5"));

        var error = Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(network, new float[network.ParameterCount], set));
        Assert.Contains("expects 12 inputs", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Evaluate_OnRealTestSet_GivesChanceAccuracy_ForUntrainedModel()
    {
        var root = ClusterMnist.Core.Tests.Data.RealData.Required();

        var split = DatasetCatalog.Load(root, DatasetKind.DigitsSplit);
        var network = new Network(ModelSpec.Parse("784-32-10"));
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.He, 1);

        var result = Evaluator.Evaluate(network, parameters, split.Test);

        Assert.Equal(split.Test.Count, result.Confusion.Total);
        Assert.InRange(result.Accuracy, 0.0, 0.35);
        Assert.True(double.IsFinite(result.Loss) && result.Loss > 1.0);
    }
}
