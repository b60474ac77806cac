using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Cluster.Worker;

namespace ClusterMnist.Cluster.Tests.MultiNode;

/// <summary>
/// Several actor systems in this process on 127.0.0.1, formed into one Akka cluster: they train to the reference
/// parameters over each data plane, and through a worker blackholed by the throttler transport and a worker that
/// crashes and comes back on the same port as a new incarnation.
/// </summary>
public sealed class MultiNodeClusterTests
{
    private static bool IPv6LoopbackWorks()
    {
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
            return false;
        try
        {
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Loopback, 0);
            probe.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task WorkerNodes_JoinOverMutualTls_AndTrainToTheReferenceParameters(bool sharedMemory, bool warmUp)
    {
        using var certificate = ClusterCertificate.CreateNew();
        using var logs = new RecordingLoggerFactory();
        await using var nodes = await ClusterNodes.StartAsync(ClusterRuns.Options(2), new CoordinatorSettings { MinWorkers = 2 }, certificate, logs: logs);
        // A worker that warms up (as the CLI's do) trains a throwaway cluster of its own first; none of it may show.
        var first = await nodes.StartWorkerAsync("first", sharedMemory, warmUp: warmUp);
        var second = await nodes.StartWorkerAsync("second", sharedMemory);

        var result = await nodes.Events.Completion.WaitAsync(Wait);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(WorkerOutcomeKind.Finished, (await first.Completion.WaitAsync(Wait)).Kind);
        Assert.Equal(WorkerOutcomeKind.Finished, (await second.Completion.WaitAsync(Wait)).Kind);
        Assert.Equal(warmUp ? 1 : 0, logs.Entries.Count(e => e.Message.StartsWith("Compiled the step before the first assignment", StringComparison.Ordinal)));
        var history = nodes.Events.Status!.History;
        Assert.All(history, e => Assert.Equal(2, e.LiveWorkers));
        // Per worker and step the parameters once and the sums once, by whichever data plane.
        double ratio = history[^1].BytesPerStepPerWorker / history[^1].ParameterBytes;
        if (sharedMemory)
            Assert.InRange(ratio, 0, 0.05);
        else
            Assert.InRange(ratio, 1.9, 2.1);
    }

    [SkippableFact]
    public async Task WorkerNode_JoinsACoordinatorOnIPv6Loopback_AndTrainsToTheReferenceParameters()
    {
        Skip.IfNot(IPv6LoopbackWorks(), "this machine (or container) has no IPv6 loopback");
        // The worker joins akka.tcp://clustermnist@[::1]:PORT: an IPv6 host in its address needs the brackets.
        await using var nodes = await ClusterNodes.StartAsync(ClusterRuns.Options(1), new CoordinatorSettings(), host: "::1");
        var worker = await nodes.StartWorkerAsync("six");

        var result = await nodes.Events.Completion.WaitAsync(Wait);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(WorkerOutcomeKind.Finished, (await worker.Completion.WaitAsync(Wait)).Kind);
    }

    [Fact]
    public async Task BlackholedWorker_IsDeclaredUnreachable_ItsShardsMove_ItIsDowned_AndTheRunEndsAtTheReferenceParameters()
    {
        await using var nodes = await ClusterNodes.StartAsync(ClusterRuns.Options(2, epochs: 4), new CoordinatorSettings { MinWorkers = 2 },
            adapters: ["trttl"]);
        var steady = await nodes.StartWorkerAsync("steady");
        var isolated = await nodes.StartWorkerAsync("isolated");
        var isolatedAddress = Akka.Cluster.Cluster.Get(isolated.System).SelfAddress;
        var coordinatorCluster = Akka.Cluster.Cluster.Get(nodes.Coordinator.System);
        bool seen = false;
        nodes.Events.StepCompleted += step =>
        {
            if (step.Report.Step != 3)
                return;
            // The steps' messages travel on the data plane, which the throttler does not cut: without a hold the run
            // could end before the failure detector has noticed. So the coordinator finishes step 3 only once its
            // cluster sees the worker unreachable (this handler runs on the coordinator actor; the cluster's own
            // actors go on), and the next step runs into it.
            nodes.BlackholeAsync(isolated.System).GetAwaiter().GetResult();
            seen = SpinWait.SpinUntil(() => coordinatorCluster.State.Unreachable.Any(m => m.Address.Equals(isolatedAddress)), Wait);
        };
        var result = await nodes.Events.Completion.WaitAsync(Wait);

        Assert.True(seen, "the coordinator's cluster never saw the blackholed worker unreachable");
        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        // Unreachable first (its shards moved), then downed by the split brain resolver: dead.
        var member = nodes.Events.Status!.Members.Single(m => m.Id == "isolated");
        Assert.Contains(member.State, new[] { MemberState.Unreachable, MemberState.Dead });
        Assert.True(nodes.Events.Status.Reassignments >= 1);
        Assert.Equal(WorkerOutcomeKind.Finished, (await steady.Completion.WaitAsync(Wait)).Kind);
        // Its worker stops taking part (the coordinator closed its data plane), and, cut off from the coordinator, its
        // node's own split brain resolver downs its side: it shuts down for a supervisor to restart it.
        Assert.Equal(WorkerOutcomeKind.LostCoordinator, (await isolated.Completion.WaitAsync(Wait)).Kind);
        await isolated.System.WhenTerminated.WaitAsync(Wait);
        Assert.IsType<Akka.Actor.CoordinatedShutdown.ClusterDowningReason>(Akka.Actor.CoordinatedShutdown.Get(isolated.System).ShutdownReason);
    }

    [Fact]
    public async Task CrashedWorker_RestartedOnTheSamePort_RejoinsAsANewIncarnation_AndTheRunEndsAtTheReferenceParameters()
    {
        await using var nodes = await ClusterNodes.StartAsync(ClusterRuns.Options(1, epochs: 3), new CoordinatorSettings());
        var (port, _) = FreePort();
        var original = await nodes.StartWorkerAsync("phoenix", port: port);
        var crash = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        nodes.Events.StepCompleted += step =>
        {
            if (step.Report.Step == 4)
                crash.TrySetResult();
        };
        await crash.Task.WaitAsync(Wait);
        await ClusterNodes.CrashAsync(original.System);

        // With its only worker gone, the step waits; the same worker id on the same port is a new incarnation.
        var gone = await Eventually(() => nodes.Events.Status?.Members.SingleOrDefault(m => m.Id == "phoenix" && m.State == MemberState.Dead));
        Assert.True(nodes.Events.Status!.Step < 30, "the run ended before the crash mattered");
        var restarted = await nodes.StartWorkerAsync("phoenix", port: port);
        var result = await nodes.Events.Completion.WaitAsync(Wait);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(WorkerOutcomeKind.Finished, (await restarted.Completion.WaitAsync(Wait)).Kind);
        var back = nodes.Events.Status!.Members.Single(m => m.Id == "phoenix" && m.State == MemberState.Active);
        // One row per worker id, counting both incarnations' work: every shard of the run (75 per epoch) once.
        Assert.Equal(3 * 75, back.ShardsDone);
        Assert.Equal(gone.Address, back.Address); // the same host and port: only the incarnation differs
    }

    private static (int Port, int Unused) FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return (port, 0);
    }


    private static Task<T> Eventually<T>(Func<T?> probe) where T : class => InProcessClusterTests.Eventually(probe);
}
