using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Randomness;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

public sealed class TrainingRunTests
{
    // 300 images in batches of 64: 5 steps per epoch, the last one 44 rows (3 shards of 16).
    private static TrainingOptions Options() => new(
        ModelSpec.Parse("784-16-10"), Initialization.He, OptimizerSpec.Parse("sgd"),
        new LearningRateSchedule(ScheduleKind.Constant, 0.05f), BatchSize: 64, Epochs: 2, Workers: 1, Seed: 3, MicroShardSize: 16);

    [Fact]
    public void NextBatch_FollowsTheEpochShuffle_AndTheLastBatchIsShorter()
    {
        var run = new TrainingRun(Options(), SyntheticData.Split(trainCount: 300));
        var order = Enumerable.Range(0, 300).ToArray();
        var rng = Rng.ForStream(3, 0);
        rng.Shuffle(order);
        Assert.Equal(5, run.StepsPerEpoch);
        Assert.Equal(order[..64], run.NextBatch.ToArray());
        Assert.Equal((64, 4), (run.NextPlan.BatchRows, run.NextPlan.ShardCount));
        Assert.Equal(1, run.NextStep);
    }

    [Fact]
    public void ApplyStep_Throws_WhenShardsAreMissing_AndAdvancesWhenAllAreIn()
    {
        var run = new TrainingRun(Options(), SyntheticData.Split(trainCount: 300));
        var layout = run.Layout;
        var partial = new GradientPartial(layout);
        var quantizer = new GradientQuantizer(layout);
        var gradient = new float[layout.ParameterCount];
        gradient.AsSpan().Fill(1e-4f);
        run.Reduction.Reset();
        quantizer.Accumulate(gradient, run.Exponents, partial);
        run.Reduction.Add(partial);
        Assert.Throws<InvalidOperationException>(() => run.ApplyStep(new double[4], new int[4]));

        for (int shard = 1; shard < 4; shard++)
        {
            partial.Reset();
            quantizer.Accumulate(gradient, run.Exponents, partial);
            run.Reduction.Add(partial);
        }
        var before = run.Parameters.ToArray();
        Assert.True(run.ApplyStep([1, 1, 1, 1], [16, 16, 16, 16]));
        Assert.Equal((1L, 1), (run.GlobalStep, run.StepInEpoch));
        Assert.NotEqual(before, run.Parameters.ToArray());
        Assert.Equal((4.0 / 64, 1.0, 64L), run.EpochSoFar);
    }

    [Fact]
    public void Capture_ThenFromCheckpoint_RestoresTheSamePosition()
    {
        var data = SyntheticData.Split(trainCount: 300);
        var run = new TrainingRun(Options(), data);
        _ = run.NextBatch;
        var state = run.Capture(checkpointEverySteps: 2, epochSeconds: 1.5);
        var restored = TrainingRun.FromCheckpoint(state, data, workers: 3, "memory");
        Assert.Equal(run.Parameters.ToArray(), restored.Parameters.ToArray());
        Assert.Equal(run.NextBatch.ToArray(), restored.NextBatch.ToArray());
        Assert.Equal(3, restored.Options.Workers);
        Assert.Equal(1.5, restored.EpochSecondsBefore);
    }
}
