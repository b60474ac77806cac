using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

// The step's last partial may be added lazily and the gradient produced, the optimizer applied and the parameters
// copied in parallel slices; these prove that the result is bitwise the serial Add → Produce → Step.
public sealed class SlicedReductionTests
{
    private static readonly (int Offset, int Length)[] Segments = [(0, 1000), (1000, 37), (1037, 517), (1554, 3)];
    private const int ParameterCount = 1557;

    private static GradientPartial RandomPartial(GradientLayout layout, ReductionExponents exponents, int seed, int shards)
    {
        var random = new Random(seed);
        var quantizer = new GradientQuantizer(layout);
        var partial = new GradientPartial(layout);
        var gradient = new float[layout.ParameterCount];
        for (int k = 0; k < shards; k++)
        {
            for (int i = 0; i < gradient.Length; i++)
                gradient[i] = (float)((random.NextDouble() * 2 - 1) * 0.01);
            quantizer.Accumulate(gradient, exponents.Values, partial);
        }
        return partial;
    }

    public static TheoryData<int[]> Cuts => new()
    {
        new[] { 0, ParameterCount },
        new[] { 0, 13, 1001, ParameterCount },
        new[] { 0, 64, 128, 1024, 1040, 1553, ParameterCount },
        new[] { 0, 1, 2, 3, 1500, 1556, ParameterCount },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void ProduceRange_WithDeferredPartial_MatchesSerialAddAndProduce(int[] cuts)
    {
        var layout = new GradientLayout(Segments, 8);
        var exponents = new ReductionExponents(layout);
        var partials = new[] { RandomPartial(layout, exponents, 1, 3), RandomPartial(layout, exponents, 2, 4), RandomPartial(layout, exponents, 3, 1) };

        // Several partials (the last or all of them deferred), and a single deferred partial onto a reset total.
        foreach (var (added, deferredCount) in new[] { (3, 1), (3, 2), (3, 3), (1, 1) })
        {
            var serial = new ExactGradientSum(layout);
            serial.Reset();
            for (int w = 0; w < added; w++)
                serial.Add(partials[w]);
            var expected = new float[ParameterCount];
            serial.Produce(exponents.Values, expected);

            var sliced = new ExactGradientSum(layout);
            sliced.Add(partials[2]);   // stale sums from an earlier step must not leak through Reset
            sliced.Reset();
            for (int w = 0; w < added - deferredCount; w++)
                sliced.Add(partials[w]);
            foreach (var later in partials[(added - deferredCount)..added])
                sliced.AddDeferred(later.Sums, later.MaxAbs, later.Overflow, later.ShardCount);
            Assert.True(sliced.HasDeferred);
            var actual = new float[ParameterCount];
            actual.AsSpan().Fill(float.NaN);
            sliced.CheckProducible(exponents.Values, actual.Length);
            for (int c = cuts.Length - 2; c >= 0; c--)
                sliced.ProduceRange(exponents.Values, actual, cuts[c], cuts[c + 1]);
            sliced.CompleteProduce();

            Assert.False(sliced.HasDeferred);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[0]), BitConverter.SingleToInt32Bits(actual[0]));
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(serial.Total.Sums, sliced.Total.Sums);
            Assert.Equal(serial.Total.MaxAbs, sliced.Total.MaxAbs);
            Assert.Equal(serial.Total.ShardCount, sliced.Total.ShardCount);
        }
    }

    [Fact]
    public void GradientPartial_ResetThenAdd_EqualsClearThenAdd_AndCombineEqualsAdds()
    {
        var layout = new GradientLayout(Segments, 8);
        var exponents = new ReductionExponents(layout);
        var a = RandomPartial(layout, exponents, 4, 2);
        var b = RandomPartial(layout, exponents, 5, 3);
        var total = new GradientPartial(layout);
        total.Add(b);
        total.Reset();
        Assert.All(total.Sums, s => Assert.Equal(0, s));
        total.Reset();
        total.Add(a);
        total.Add(b);
        Assert.Equal(a.Sums.Zip(b.Sums, (x, y) => x + y), total.Sums);

        var sums = new int[ParameterCount];
        var maxAbs = new float[Segments.Length];
        var overflow = new bool[Segments.Length];
        Assert.Equal(5, GradientPartial.Combine([a, b], sums, maxAbs, overflow));
        Assert.Equal(total.Sums, sums);
        Assert.Equal(total.MaxAbs, maxAbs);
        Assert.Equal(total.Overflow, overflow);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void ApplyStep_InSlicesWithDeferredPartial_IsBitwiseTheSerialAdamStep(int slices)
    {
        var options = new TrainingOptions(ModelSpec.Parse("784-16-10"), Initialization.He, OptimizerSpec.Parse("adam"),
            new LearningRateSchedule(ScheduleKind.Constant, 0.01f), BatchSize: 64, Epochs: 1, Workers: 1, Seed: 3, MicroShardSize: 16);
        var run = new TrainingRun(options, SyntheticData.Split(trainCount: 300)) { SliceCount = slices };
        var layout = run.Layout;
        var oracle = Optimizers.Create(options.Optimizer);
        var parameters = run.Parameters.ToArray();
        var state = new float[oracle.StateLength(parameters.Length)];
        var copy = new float[parameters.Length];
        for (int step = 1; step <= 4; step++)
        {
            var exponents = new ReductionExponents(layout, run.Exponents);
            var partials = Enumerable.Range(0, 2).Select(w => RandomPartial(layout, exponents, 10 * step + w, 2)).ToArray();

            var serial = new ExactGradientSum(layout);
            foreach (var p in partials)
                serial.Add(p);
            var gradient = new float[parameters.Length];
            serial.Produce(exponents.Values, gradient);
            oracle.Step(parameters, gradient, state, step, 0.01f);

            run.Reduction.Reset();
            run.Reduction.Add(partials[0]);
            run.Reduction.AddDeferred(partials[1].Sums, partials[1].MaxAbs, partials[1].Overflow, partials[1].ShardCount);
            Assert.True(run.ApplyStep([0, 0, 0, 0], [0, 0, 0, 0], copy));

            Assert.Equal(parameters.Select(BitConverter.SingleToInt32Bits), run.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(parameters.Select(BitConverter.SingleToInt32Bits), copy.Select(BitConverter.SingleToInt32Bits));
        }
    }
}
