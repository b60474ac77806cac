using ClusterMnist.Actors.Remoting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Tests.Shared;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>The small run the coordinator-host tests train: learnable synthetic 28×28 images, a tiny network.</summary>
internal static class HostingRuns
{
    public const string Token = "hosting-test-token";

    /// <summary>Bound of every wait in these tests.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static readonly DataSplit Data = SyntheticImages.Split(600, 200, seed: 1);

    // 600 images in batches of 64: 10 steps per epoch.
    public static TrainingOptions Options(int epochs = 2) => new(
        ModelSpec.Parse("784-32-16-10/relu/softmax-ce/dropout=0.2"), Initialization.He, OptimizerSpec.Parse("adam"),
        new LearningRateSchedule(ScheduleKind.Cosine, 0.002f, WarmupSteps: 3, TotalSteps: 10 * epochs), BatchSize: 64,
        Epochs: epochs, Workers: 1, Seed: 11, MicroShardSize: 8);

    public static CoordinatorServerSettings Settings(int minWorkers, string? checkpointPath = null) => new()
    {
        Url = "http://127.0.0.1:0",
        Remoting = new RemotingOptions(Token),
        Coordinator = new Cluster.Coordinator.CoordinatorSettings { MinWorkers = minWorkers, CheckpointPath = checkpointPath },
    };
}
