using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Cluster.Worker;
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
    /// <summary>One cluster certificate for these tests (made once: an ECDSA key is quick, but there is no need for more).</summary>
    public static readonly ClusterCertificate Certificate = ClusterCertificate.CreateNew();

    /// <summary>Bound of every wait in these tests.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static readonly DataSplit Data = SyntheticImages.Split(600, 200, seed: 1);

    // 600 images in batches of 64: 10 steps per epoch.
    public static TrainingOptions Options(int epochs = 2) => new(
        ModelSpec.Parse("784-32-16-10/relu/softmax-ce/dropout=0.2"), Initialization.He, OptimizerSpec.Parse("adam"),
        new LearningRateSchedule(ScheduleKind.Cosine, 0.002f, WarmupSteps: 3, TotalSteps: 10 * epochs), BatchSize: 64,
        Epochs: epochs, Workers: 1, Seed: 11, MicroShardSize: 8);

    /// <summary>A coordinator on 127.0.0.1 with free ports, mutual TLS with <see cref="Certificate"/>.</summary>
    public static CoordinatorServerSettings Settings(int minWorkers, string? checkpointPath = null, bool sharedMemory = true) => new()
    {
        Url = "http://127.0.0.1:0",
        Node = Node(ClusterRoles.Coordinator, seedPort: 0, Certificate),
        DataPlanePort = 0,
        Coordinator = new Cluster.Coordinator.CoordinatorSettings { MinWorkers = minWorkers, CheckpointPath = checkpointPath, SharedMemory = sharedMemory },
    };

    /// <summary>A node on 127.0.0.1 that joins the coordinator at <paramref name="seedPort"/>.</summary>
    public static ClusterNodeOptions Node(string role, int seedPort, ClusterCertificate? certificate) => new()
    {
        Role = role,
        BindHost = "127.0.0.1",
        Port = 0,
        PublicHost = "127.0.0.1",
        SeedHost = "127.0.0.1",
        SeedPort = Math.Max(1, seedPort),
        Certificate = certificate,
    };

    /// <summary>A worker as the `worker` command runs it, in this process: its own node, which joins <paramref name="server"/>.</summary>
    public static Task<WorkerNode> StartWorkerAsync(CoordinatorServer server, string id, ClusterCertificate? certificate = null, bool sharedMemory = true) =>
        WorkerNode.StartAsync(Node(ClusterRoles.Worker, server.ClusterAddress.Port!.Value, certificate ?? Certificate),
            new WorkerSettings(id) { SharedMemory = sharedMemory }, (_, _) => Task.FromResult(Data.Train),
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
}
