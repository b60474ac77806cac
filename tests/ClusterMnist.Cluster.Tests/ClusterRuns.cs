using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Tests;

/// <summary>The run every cluster test trains, and its reference result from the local thread trainer.</summary>
internal static class ClusterRuns
{
    /// <summary>Bound of every wait on a run.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static readonly DataSplit Data = SyntheticData.Split();

    private static readonly Lazy<TrainingResult> Reference = new(() => new LocalTrainer(Options(1), Data).Run());

    // 600 images in batches of 64 (the last 24): 10 steps per epoch, 8 shards of 8 rows per full batch.
    public static TrainingOptions Options(int workers, int epochs = 2) => new(
        ModelSpec.Parse("784-32-16-10/relu/softmax-ce/dropout=0.2"), Initialization.He, OptimizerSpec.Parse("adam"),
        new LearningRateSchedule(ScheduleKind.Cosine, 0.002f, WarmupSteps: 3, TotalSteps: 20), BatchSize: 64, Epochs: epochs,
        Workers: workers, Seed: 11, MicroShardSize: 8);

    /// <summary>The parameter hash of the uninterrupted local run with the same options.</summary>
    public static string ReferenceHash => Reference.Value.ParameterSha256;

    public static TrainingResult ReferenceResult => Reference.Value;
}
