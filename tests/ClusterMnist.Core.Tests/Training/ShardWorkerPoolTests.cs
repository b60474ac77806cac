using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

/// <summary>
/// The pool computes a thread's shards as one block of rows and quantizes weight gradients inside the product; the
/// partials must be bitwise those of the definition: every shard alone through <see cref="Network.ComputeGradient"/>,
/// quantized by <see cref="GradientQuantizer"/>.
/// </summary>
public class ShardWorkerPoolTests
{
    private const ulong Seed = 9;
    private const long Step = 17;

    public static TheoryData<string, int, int, int> Cases => new()
    {
        // model, batch, micro-shard, workers
        { "784-256-128-10/relu/softmax-ce/dropout=0.1", 256, 32, 1 },    // one group of 8 shards, 256 rows
        { "784-256-128-10/relu/softmax-ce/dropout=0", 1024, 32, 2 },     // several groups per thread
        { "784-100-10/tanh/softmax-ce/dropout=0", 100, 32, 2 },          // a 4-row last shard takes the few-row kernel
        { "784-33-17-10/elu/sigmoid-mse/dropout=0.3", 77, 5, 3 },        // odd widths (edge tiles), few-row shards
        { "784-64-10/sigmoid/softmax-ce/dropout=0.2", 300, 300, 1 },     // one shard larger than a group
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ComputeStep_GivesThePartialOfShardsQuantizedOneByOne(string model, int batch, int microShard, int workers)
    {
        var (network, train, layout, parameters) = Setup(model, batch);
        var exponents = new ReductionExponents(layout).Values.ToArray();
        var expected = Reference(network, train, layout, parameters, batch, microShard, exponents);
        var actual = Pooled(network, train, layout, parameters, batch, microShard, workers, exponents);

        Assert.False(expected.Partial.AnyOverflow);
        Assert.Equal(expected.Partial.Sums, actual.Sums);
        Assert.Equal(expected.Partial.MaxAbs, actual.MaxAbs);
        Assert.Equal(expected.Partial.Overflow, actual.Overflow);
        Assert.Equal(expected.Partial.ShardCount, actual.Shards);
        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Correct, actual.Correct);
    }

    [Fact]
    public void ComputeStep_ReportsOverflowAndMaxima_AsShardsQuantizedOneByOne()
    {
        const string model = "784-33-17-10/elu/softmax-ce/dropout=0.3";
        var (network, train, layout, parameters) = Setup(model, 96);
        // Exponents far too small: every segment overflows, and the maxima decide the redo.
        var exponents = Enumerable.Repeat(ReductionExponents.MinExponent, layout.SegmentCount).ToArray();
        var expected = Reference(network, train, layout, parameters, 96, 32, exponents);
        var actual = Pooled(network, train, layout, parameters, 96, 32, 2, exponents);
        Assert.All(expected.Partial.Overflow, Assert.True);
        Assert.Equal(expected.Partial.Overflow, actual.Overflow);
        Assert.Equal(expected.Partial.MaxAbs, actual.MaxAbs);

        parameters[5] = float.NaN;
        actual = Pooled(network, train, layout, parameters, 96, 32, 2, new ReductionExponents(layout).Values.ToArray());
        Assert.True(float.IsNaN(actual.MaxAbs[0]));
        Assert.True(actual.Overflow[0]);
    }

    private static (Network Network, ImageSet Train, GradientLayout Layout, float[] Parameters) Setup(string model, int batch)
    {
        var network = new Network(ModelSpec.Parse(model));
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.He, 3);
        return (network, SyntheticData.Images(batch + 50, 5), TrainingRun.LayoutFor(network, batch, 1), parameters);
    }

    // Rows come from the middle of a reversed order, as a later step of an epoch would take them.
    private static int[] Order(ImageSet train) => Enumerable.Range(0, train.Count).Reverse().ToArray();

    private static (GradientPartial Partial, double[] Loss, int[] Correct) Reference(
        Network network, ImageSet train, GradientLayout layout, float[] parameters, int batch, int microShard, int[] exponents)
    {
        var plan = new ShardPlan(batch, microShard);
        var order = Order(train);
        var partial = new GradientPartial(layout);
        var quantizer = new GradientQuantizer(layout);
        var workspace = network.CreateWorkspace(microShard);
        var gradient = new float[network.ParameterCount];
        var loss = new double[plan.ShardCount];
        var correct = new int[plan.ShardCount];
        for (int shard = 0; shard < plan.ShardCount; shard++)
        {
            int rows = plan.ShardRows(shard);
            var inputs = new float[rows * train.PixelsPerImage];
            var labels = new byte[rows];
            train.Gather(order.AsSpan(50 + plan.ShardStart(shard), rows), inputs, labels);
            ulong dropoutSeed = Rng.ForStream(Seed, Step, (ulong)shard + 1).NextUInt64();
            var result = network.ComputeGradient(parameters, inputs, labels, rows, batch, dropoutSeed, gradient, workspace);
            quantizer.Accumulate(gradient, exponents, partial);
            loss[shard] = result.LossSum;
            correct[shard] = result.Correct;
        }

        return (partial, loss, correct);
    }

    private static (int[] Sums, float[] MaxAbs, bool[] Overflow, int Shards, double[] Loss, int[] Correct) Pooled(
        Network network, ImageSet train, GradientLayout layout, float[] parameters, int batch, int microShard, int workers, int[] exponents)
    {
        var plan = new ShardPlan(batch, microShard);
        using var pool = new ShardWorkerPool(network, train, layout, workers, microShard, Seed);
        // A first step with other exponents leaves other sums behind, which the second must not see.
        pool.ComputeStep(Order(train), 50, plan, Step + 1, exponents.Select(e => e + 3).ToArray(), parameters);
        pool.ComputeStep(Order(train), 50, plan, Step, exponents, parameters);
        var sums = new int[network.ParameterCount];
        var maxAbs = new float[layout.SegmentCount];
        var overflow = new bool[layout.SegmentCount];
        int shards = GradientPartial.Combine(Enumerable.Range(0, pool.Count).Select(pool.PartialOf).ToList(), sums, maxAbs, overflow);
        return (sums, maxAbs, overflow, shards, pool.ShardLoss[..plan.ShardCount].ToArray(), pool.ShardCorrect[..plan.ShardCount].ToArray());
    }
}
