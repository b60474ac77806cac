using ClusterMnist.Actors.Remoting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Hosting;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>The small run the coordinator-host tests train: learnable synthetic 28×28 images, a tiny network.</summary>
internal static class HostingRuns
{
    public const string Token = "hosting-test-token";

    /// <summary>Bound of every wait in these tests.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static readonly DataSplit Data = new(Images(600, 1), Images(200, 1001), "synthetic");

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

    /// <summary>Each class lights a different band of rows, plus noise.</summary>
    private static ImageSet Images(int count, int seed)
    {
        const int side = 28;
        var random = new Random(seed);
        var pixels = new byte[count * side * side];
        var labels = new byte[count];
        for (int n = 0; n < count; n++)
        {
            int label = random.Next(10);
            labels[n] = (byte)label;
            for (int p = 0; p < side * side; p++)
            {
                int row = p / side;
                bool lit = row >= 2 + (2 * label) && row < 5 + (2 * label);
                pixels[(n * side * side) + p] = (byte)Math.Min(255, (lit ? 150 : 0) + random.Next(100));
            }
        }

        return new ImageSet(pixels, labels, side, side, $"synthetic(seed={seed})");
    }
}
