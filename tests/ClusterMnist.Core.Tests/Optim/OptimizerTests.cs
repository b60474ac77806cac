using ClusterMnist.Core.Optim;

namespace ClusterMnist.Core.Tests.Optim;

public class OptimizerTests
{
    // Gradients for three steps of a single scalar parameter, and the length-37 buffer that exercises
    // the Vector512, Vector256 and scalar-tail paths in one call (37 = 32 + 5 … 16 + 16 + 5).
    private static readonly double[] Gradients = [0.5, -0.25, 1.5];
    private const int Length = 37;

    private static float[] RunVector(OptimizerSpec spec, float theta0, float lr, int steps)
    {
        var optimizer = Optimizers.Create(spec);
        var parameters = Enumerable.Repeat(theta0, Length).ToArray();
        var state = new float[optimizer.StateLength(Length)];
        for (int s = 0; s < steps; s++)
        {
            var gradient = Enumerable.Repeat((float)Gradients[s], Length).ToArray();
            optimizer.Step(parameters, gradient, state, s + 1, lr);
        }
        return parameters;
    }

    private static void AssertAllClose(double expected, float[] actual)
    {
        foreach (float a in actual)
            Assert.True(Math.Abs(a - expected) <= 1e-6 * Math.Max(1.0, Math.Abs(expected)), $"expected {expected}, got {a}");
    }

    [Fact]
    public void Sgd_MatchesHandComputedSteps_WithWeightDecay()
    {
        // θ1 = 2 − 0.1·(0.5 + 0.01·2) = 1.948; θ2 = 1.948 − 0.1·(−0.25 + 0.01948) = 1.971052
        var result = RunVector(new OptimizerSpec(OptimizerKind.Sgd, WeightDecay: 0.01f), 2f, 0.1f, 2);
        AssertAllClose(1.971052, result);
    }

    [Fact]
    public void Momentum_MatchesHeavyBallReference()
    {
        // v1 = 0.5, θ1 = 1 − 0.1·0.5 = 0.95; v2 = 0.9·0.5 − 0.25 = 0.2, θ2 = 0.93; v3 = 0.18 + 1.5 = 1.68, θ3 = 0.762
        var result = RunVector(new OptimizerSpec(OptimizerKind.Momentum), 1f, 0.1f, 3);
        AssertAllClose(0.762, result);
    }

    [Fact]
    public void Nesterov_MatchesLookAheadReference()
    {
        // v1 = 0.5, θ1 = 1 − 0.1·(0.5 + 0.45) = 0.905; v2 = 0.2, θ2 = 0.905 − 0.1·(−0.25 + 0.18) = 0.912
        var result = RunVector(new OptimizerSpec(OptimizerKind.Nesterov), 1f, 0.1f, 2);
        AssertAllClose(0.912, result);
    }

    [Fact]
    public void Adam_AppliesBiasCorrection_OnFirstStep()
    {
        // With bias correction the first step is lr·g/(|g| + ε') ≈ lr·sign(g), whatever β1, β2.
        var result = RunVector(new OptimizerSpec(OptimizerKind.Adam), 1f, 0.01f, 1);
        AssertAllClose(1.0 - 0.01 * 0.5 / (0.5 + 1e-8), result);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, 0.1f)]
    [InlineData(OptimizerKind.AdamW, 0.1f)]
    [InlineData(OptimizerKind.Adam, 0f)]
    public void Adam_MatchesDoubleReference_ForThreeSteps(OptimizerKind kind, float weightDecay)
    {
        double b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.05, theta = 1.5, m = 0, v = 0;
        for (int s = 1; s <= 3; s++)
        {
            double g = Gradients[s - 1];
            if (kind == OptimizerKind.AdamW)
                theta -= lr * weightDecay * theta;
            else
                g += weightDecay * theta;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double mHat = m / (1 - Math.Pow(b1, s)), vHat = v / (1 - Math.Pow(b2, s));
            theta -= lr * mHat / (Math.Sqrt(vHat) + eps);
        }
        var result = RunVector(new OptimizerSpec(kind, WeightDecay: weightDecay), 1.5f, 0.05f, 3);
        AssertAllClose(theta, result);
    }

    [Fact]
    public void AdamW_DecaysDifferentlyFromAdam_WhenWeightDecayIsSet()
    {
        var adam = RunVector(new OptimizerSpec(OptimizerKind.Adam, WeightDecay: 0.1f), 1.5f, 0.05f, 3);
        var adamW = RunVector(new OptimizerSpec(OptimizerKind.AdamW, WeightDecay: 0.1f), 1.5f, 0.05f, 3);
        Assert.NotEqual(adam[0], adamW[0]);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Momentum)]
    [InlineData(OptimizerKind.Nesterov)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    public void Optimizer_VectorAndScalarPaths_AgreeBitwise(OptimizerKind kind)
    {
        var spec = new OptimizerSpec(kind, WeightDecay: 0.01f);
        var random = new Random(7);
        const int n = 1000 + 13;
        var theta = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var grads = Enumerable.Range(0, 3 * n).Select(_ => (float)(random.NextDouble() - 0.5) * 0.1f).ToArray();
        float[] Run(bool use512, bool use256)
        {
            var p = (float[])theta.Clone();
            var state = new float[Optimizers.Create(spec).StateLength(n)];
            for (int s = 1; s <= 3; s++)
            {
                var g = grads.AsSpan((s - 1) * n, n);
                switch (kind)
                {
                    case OptimizerKind.Sgd: SgdOptimizer.Update(p, g, 0.1f, 0.01f, use512, use256); break;
                    case OptimizerKind.Momentum or OptimizerKind.Nesterov:
                        new MomentumOptimizer(0.9f, 0.01f, kind == OptimizerKind.Nesterov).Update(p, g, state, 0.1f, use512, use256); break;
                    default:
                        new AdamOptimizer(0.9f, 0.999f, 1e-8f, 0.01f, kind == OptimizerKind.AdamW).Update(p, g, state, s, 0.1f, use512, use256); break;
                }
            }
            return p;
        }
        var scalar = Run(false, false);
        Assert.Equal(scalar, Run(false, true));
        Assert.Equal(scalar, Run(true, true));
    }

    [Theory]
    [InlineData(false, true, false, false)]
    [InlineData(false, true, false, true)]
    [InlineData(false, true, true, true)]
    [InlineData(true, false, false, false)]
    [InlineData(true, true, false, true)]
    [InlineData(true, true, true, true)]
    public void AdamFromSums_EveryPath_IsBitwiseTheSumsDequantizedThenUpdate(bool decoupled, bool twoPartials, bool use512, bool use256)
    {
        var random = new Random(11);
        const int n = 1000 + 13;
        const float scale = 1f / (1 << 30);
        var theta = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var adam = new AdamOptimizer(0.9f, 0.999f, 1e-8f, 0.01f, decoupled);
        float[] expected = (float[])theta.Clone(), expectedM = new float[n], expectedV = new float[n];
        float[] actual = (float[])theta.Clone(), actualM = new float[n], actualV = new float[n], copy = new float[n];
        var total = new int[n];
        for (int step = 1; step <= 3; step++)
        {
            var first = Enumerable.Range(0, n).Select(_ => random.Next(-(1 << 28), 1 << 28)).ToArray();
            var second = Enumerable.Range(0, n).Select(_ => random.Next(-(1 << 28), 1 << 28)).ToArray();
            // The reference: the exact sum, one rounding to float times the power of two, then the scalar update.
            var gradient = Enumerable.Range(0, n).Select(i => (float)(first[i] + (twoPartials ? second[i] : 0)) * scale).ToArray();
            adam.Update(expected, gradient, expectedM, expectedV, step, 0.01f, use512: false, use256: false);

            adam.UpdateFromSums(first, twoPartials ? second : default, total, scale, actual, actualM, actualV, copy, step, 0.01f, use512, use256);

            Assert.Equal(first.Select((f, i) => f + (twoPartials ? second[i] : 0)), total);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), copy.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(expectedM.Select(BitConverter.SingleToInt32Bits), actualM.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(expectedV.Select(BitConverter.SingleToInt32Bits), actualV.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [Theory]
    [InlineData("sgd", OptimizerKind.Sgd)]
    [InlineData("Momentum", OptimizerKind.Momentum)]
    [InlineData("nesterov", OptimizerKind.Nesterov)]
    [InlineData(" adam ", OptimizerKind.Adam)]
    [InlineData("ADAMW", OptimizerKind.AdamW)]
    public void OptimizerSpec_Parse_ReadsKnownNames(string name, OptimizerKind kind)
        => Assert.Equal(kind, OptimizerSpec.Parse(name).Kind);

    [Fact]
    public void OptimizerSpec_Parse_ThrowsClearError_ForUnknownName()
    {
        var error = Assert.Throws<ArgumentException>(() => OptimizerSpec.Parse("rmsprop"));
        Assert.Contains("rmsprop", error.Message, StringComparison.Ordinal);
        Assert.Contains(OptimizerSpec.Names, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Optimizer_Step_RejectsWrongStateLength()
    {
        var optimizer = Optimizers.Create(OptimizerSpec.Parse("adam"));
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[4], new float[4], new float[4], 1, 0.1f));
    }
}
