using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Tests.Model;

public class InitializationTests
{
    private static readonly Network Network = new(ModelSpec.Parse("400-300-10"));

    [Fact]
    public void He_DrawsNormalWeightsWithStdSqrtTwoOverFanIn_AndZeroBiases()
    {
        var parameters = TestData.Parameters(Network, Initialization.He, 1);
        var w1 = Segment(parameters, "W1");

        Assert.InRange(Mean(w1), -0.002, 0.002);
        Assert.InRange(Std(w1), Math.Sqrt(2.0 / 400) * 0.98, Math.Sqrt(2.0 / 400) * 1.02);
        Assert.InRange(Std(Segment(parameters, "W2")), Math.Sqrt(2.0 / 300) * 0.95, Math.Sqrt(2.0 / 300) * 1.05);
        // About 4.6% of a normal lies beyond two standard deviations; a uniform has none.
        var tail = w1.Count(w => Math.Abs(w) > 2 * Math.Sqrt(2.0 / 400)) / (double)w1.Length;
        Assert.InRange(tail, 0.04, 0.052);
        Assert.All(Segment(parameters, "b1"), b => Assert.Equal(0f, b));
        Assert.All(Segment(parameters, "b2"), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Xavier_DrawsUniformWeightsWithinGlorotLimit_AndZeroBiases()
    {
        var parameters = TestData.Parameters(Network, Initialization.Xavier, 2);
        var w1 = Segment(parameters, "W1");
        var limit = Math.Sqrt(6.0 / (400 + 300));

        Assert.All(w1, w => Assert.InRange(w, -limit, limit));
        Assert.InRange(Std(w1), limit / Math.Sqrt(3) * 0.98, limit / Math.Sqrt(3) * 1.02);
        Assert.True(w1.Max() > limit * 0.99 && w1.Min() < -limit * 0.99);
        Assert.All(Segment(parameters, "b1"), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Uniform_DrawsWeightsAndBiasesFromMinusHalfToHalf()
    {
        var parameters = TestData.Parameters(Network, Initialization.Uniform, 3);

        Assert.All(parameters, p => Assert.InRange(p, -0.5f, 0.5f));
        Assert.InRange(Std(parameters), 0.5 / Math.Sqrt(3) * 0.98, 0.5 / Math.Sqrt(3) * 1.02);
        var b1 = Segment(parameters, "b1");
        Assert.True(b1.Count(b => b != 0f) > 290, "biases must be drawn too");
    }

    [Fact]
    public void Initialize_IsDeterministicForSeed_AndDiffersAcrossSeeds()
    {
        foreach (var init in Enum.GetValues<Initialization>())
        {
            Assert.Equal(TestData.Parameters(Network, init, 5), TestData.Parameters(Network, init, 5));
            Assert.NotEqual(TestData.Parameters(Network, init, 5), TestData.Parameters(Network, init, 6));
        }
    }

    private static float[] Segment(float[] parameters, string name)
    {
        var segment = Network.Segments.Single(s => s.Name == name);
        return parameters.AsSpan(segment.Offset, segment.Length).ToArray();
    }

    private static double Mean(float[] values) => values.Average(v => (double)v);

    private static double Std(float[] values)
    {
        var mean = Mean(values);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
