using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

public class ExactGradientSumTests
{
    // Awkward segment lengths exercise the Vector512, Vector256 and scalar-tail paths.
    private static readonly (int Offset, int Length)[] Segments = [(0, 1000), (1000, 37), (1037, 517), (1554, 3)];
    private const int ParameterCount = 1557;
    private const int Shards = 8;   // batch 256 in micro-shards of 32

    private static float[][] RandomShardGradients(int seed, float[] segmentScales)
    {
        var random = new Random(seed);
        var shards = new float[Shards][];
        for (int k = 0; k < Shards; k++)
        {
            shards[k] = new float[ParameterCount];
            for (int t = 0; t < Segments.Length; t++)
            {
                for (int i = 0; i < Segments[t].Length; i++)
                    shards[k][Segments[t].Offset + i] = (float)((random.NextDouble() * 2 - 1) * segmentScales[t]);
            }
        }
        return shards;
    }

    // Reduces the shards as `workers` workers would: a random assignment of shards to workers, random order
    // within each worker, random order of partials at the coordinator; redoes the step on overflow.
    private static (float[] Gradient, int[] Exponents, int Passes) Reduce(float[][] shards, int workers, int seed, int[]? startExponents = null)
    {
        var layout = new GradientLayout(Segments, Shards);
        var exponents = startExponents is null ? new ReductionExponents(layout) : new ReductionExponents(layout, startExponents);
        var quantizer = new GradientQuantizer(layout);
        var sum = new ExactGradientSum(layout);
        var partials = Enumerable.Range(0, workers).Select(_ => new GradientPartial(layout)).ToArray();
        var random = new Random(seed);
        var owner = Enumerable.Range(0, shards.Length).Select(_ => random.Next(workers)).ToArray();
        var order = Enumerable.Range(0, shards.Length).OrderBy(_ => random.Next()).ToArray();
        var partialOrder = Enumerable.Range(0, workers).OrderBy(_ => random.Next()).ToArray();
        for (int pass = 1; ; pass++)
        {
            foreach (var p in partials)
                p.Reset();
            foreach (int k in order)
                quantizer.Accumulate(shards[k], exponents.Values, partials[owner[k]]);
            sum.Reset();
            foreach (int w in partialOrder)
                sum.Add(partials[w]);
            if (sum.NeedsRedo)
            {
                Assert.True(pass < 3, "a redo must succeed");
                exponents.RaiseForRedo(sum.Total);
                continue;
            }
            var gradient = new float[ParameterCount];
            sum.Produce(exponents.Values, gradient);
            Assert.Equal(Shards, sum.Total.ShardCount);
            return (gradient, exponents.Values.ToArray(), pass);
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void Sum_IsBitwiseIdentical_ForAnyPartitionAndOrder()
    {
        var shards = RandomShardGradients(1, [0.01f, 0.3f, 1e-4f, 0.05f]);
        var reference = Reduce(shards, 1, 0);
        Assert.Equal(1, reference.Passes);
        for (int workers = 1; workers <= 5; workers++)
        {
            for (int seed = 1; seed <= 4; seed++)
                Assert.Equal(Bits(reference.Gradient), Bits(Reduce(shards, workers, seed * 31 + workers).Gradient));
        }
    }

    [Fact]
    public void Overflow_TriggersRedo_AndResultStaysIdenticalAcrossPartitions()
    {
        // Segment 1 is far above the initial guess (max |g| = 1), so the first pass overflows.
        var shards = RandomShardGradients(2, [0.01f, 3000f, 1e-3f, 0.5f]);
        var reference = Reduce(shards, 1, 0);
        Assert.Equal(2, reference.Passes);
        for (int workers = 2; workers <= 5; workers++)
        {
            var other = Reduce(shards, workers, workers * 7);
            Assert.Equal(2, other.Passes);
            Assert.Equal(reference.Exponents, other.Exponents);
            Assert.Equal(Bits(reference.Gradient), Bits(other.Gradient));
        }
    }

    [Fact]
    public void Overflow_InOneShardOnly_IsDetected()
    {
        var shards = RandomShardGradients(3, [0.01f, 0.01f, 0.01f, 0.01f]);
        shards[5][1030] = 50f;   // one element of one shard in segment 1
        var result = Reduce(shards, 3, 11);
        Assert.Equal(2, result.Passes);
        var exact = shards.Sum(s => (double)s[1030]);
        Assert.Equal(exact, result.Gradient[1030], 1e-4);
    }

    [Fact]
    public void NonFiniteGradient_ThrowsTrainingDiverged()
    {
        var shards = RandomShardGradients(4, [0.01f, 0.01f, 0.01f, 0.01f]);
        shards[2][10] = float.NaN;
        var error = Assert.Throws<TrainingDivergedException>(() => Reduce(shards, 2, 1));
        Assert.Contains("diverged", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VectorAndScalarPaths_GiveIdenticalPartialsAndGradients()
    {
        var layout = new GradientLayout(Segments, Shards);
        var exponents = new ReductionExponents(layout);
        var shards = RandomShardGradients(5, [0.5f, 0.2f, 0.9f, 0.1f]);
        // Exact midpoints k + ½ in quantized units check round-to-nearest-even on every path.
        float unit = MathF.ScaleB(1f, exponents.Values[0]);
        for (int i = 0; i < 64; i++)
            shards[0][i] = (i - 32 + 0.5f) * unit;
        GradientPartial Accumulate(bool use512, bool use256)
        {
            var partial = new GradientPartial(layout);
            var quantizer = new GradientQuantizer(layout);
            foreach (var shard in shards)
                quantizer.Accumulate(shard, exponents.Values, partial, use512, use256);
            return partial;
        }
        var scalar = Accumulate(false, false);
        foreach (var (use512, use256) in new[] { (false, true), (true, true) })
        {
            var vector = Accumulate(use512, use256);
            Assert.Equal(scalar.Sums, vector.Sums);
            Assert.Equal(scalar.MaxAbs, vector.MaxAbs);
            Assert.Equal(scalar.Overflow, vector.Overflow);
        }
        var sum = new ExactGradientSum(layout);
        sum.Add(scalar);
        var gradients = new[] { (false, false), (false, true), (true, true) }.Select(flags =>
        {
            var g = new float[ParameterCount];
            sum.Produce(exponents.Values, g, flags.Item1, flags.Item2);
            return Bits(g);
        }).ToArray();
        Assert.Equal(gradients[0], gradients[1]);
        Assert.Equal(gradients[0], gradients[2]);
    }

    [Fact]
    public void Quantizer_RoundsHalfwayToEven_OnEveryPath()
    {
        var layout = new GradientLayout([(0, 67)], 1);
        int[] exponents = [-3];
        var gradient = Enumerable.Range(0, 67).Select(i => (i - 33 + 0.5f) / 8f).ToArray();   // exactly k + ½ units
        var expected = Enumerable.Range(0, 67).Select(i => (int)Math.Round(i - 33 + 0.5, MidpointRounding.ToEven)).ToArray();
        foreach (var (use512, use256) in new[] { (false, false), (false, true), (true, true) })
        {
            var partial = new GradientPartial(layout);
            new GradientQuantizer(layout).Accumulate(gradient, exponents, partial, use512, use256);
            Assert.Equal(expected, partial.Sums);
        }
    }

    [Fact]
    public void ExactSum_IsWithinFewUlps_OfDoubleSum()
    {
        // Steady state: exponents from the previous step's max (the next-step rule), not the first-step guess.
        var shards = RandomShardGradients(6, [0.02f, 0.7f, 3e-5f, 0.1f]);
        float limit = ShardPlan.QuantizationLimit(Shards);
        var steady = Segments.Select(seg => ReductionExponents.ExponentFor(
            shards.Max(s => s.AsSpan(seg.Offset, seg.Length).ToArray().Max(MathF.Abs)), limit)).ToArray();
        var result = Reduce(shards, 3, 5, steady);
        for (int t = 0; t < Segments.Length; t++)
        {
            var (offset, length) = Segments[t];
            var doubleSums = Enumerable.Range(offset, length).Select(i => shards.Sum(s => (double)s[i])).ToArray();
            float segmentMax = (float)doubleSums.Max(Math.Abs);
            float tolerance = 4 * (MathF.BitIncrement(segmentMax) - segmentMax);
            for (int i = 0; i < length; i++)
                Assert.True(Math.Abs(result.Gradient[offset + i] - doubleSums[i]) <= tolerance,
                    $"segment {t} element {i}: {result.Gradient[offset + i]} vs {doubleSums[i]}");
        }
    }

    [Fact]
    public void ExponentFor_IsSmallestExponentWithHeadroom()
    {
        float limit = ShardPlan.QuantizationLimit(8);
        Assert.True(limit <= int.MaxValue / 8);
        foreach (float maxAbs in new[] { 1f, 0.37f, 1e-6f, 123.5f, 3e-30f })
        {
            int e = ReductionExponents.ExponentFor(maxAbs, limit);
            Assert.True((double)maxAbs * 4 <= Math.ScaleB(limit, e));
            Assert.True((double)maxAbs * 4 > Math.ScaleB(limit, e - 1));
        }
    }

    [Fact]
    public void ShardPlan_CutsBatchInOrder_WithShorterLastShard()
    {
        var plan = new ShardPlan(100, 32);
        Assert.Equal(4, plan.ShardCount);
        Assert.Equal(96, plan.ShardStart(3));
        Assert.Equal(4, plan.ShardRows(3));
        Assert.Equal(32, plan.ShardRows(0));
    }
}
