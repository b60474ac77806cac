using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Worker;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests.Remoting;

/// <summary>The coordinator and its workers as separate nodes over real loopback WebSockets (Kestrel on 127.0.0.1).</summary>
public sealed class RemoteClusterTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Run_OverWebSockets_EndsWithLocalTrainerParameters(int workers)
    {
        await using var coordinatorNode = await ClusterNode.ServerAsync("coordinator");
        var coordinator = CoordinatorHost.Start(coordinatorNode.System, ClusterRuns.Options(workers), ClusterRuns.Data,
            new CoordinatorSettings { MinWorkers = workers });
        var nodes = new List<ClusterNode>();
        try
        {
            for (int w = 1; w <= workers; w++)
                nodes.Add(await StartWorkerNodeAsync(coordinatorNode, $"node-{w}"));

            var result = await coordinator.Completion.WaitAsync(ClusterRuns.Deadline);

            Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
            var status = coordinator.Status!;
            Assert.All(status.Members, m => Assert.StartsWith("node-", m.Address, StringComparison.Ordinal));
            Assert.Equal(workers, status.Members.Count(m => m.ShardsDone > 0));
            Assert.All(status.History, e => Assert.InRange(e.BytesPerStepPerWorker / e.ParameterBytes, 1.9, 2.1));

            // Everything that crossed the coordinator's sockets (handshakes, heartbeats, envelopes, WebSocket framing),
            // per step and worker, against the parameter bytes.
            long parameterBytes = status.History[0].ParameterBytes;
            double socketBytesPerStepPerWorker = (double)coordinatorNode.WireBytes.Total / status.Step / workers;
            foreach (var epoch in status.History)
            {
                output.WriteLine(
                    $"epoch {epoch.Report.Epoch}: {workers} worker(s), payload {epoch.BytesPerStepPerWorker:F0} B/step/worker = {epoch.BytesPerStepPerWorker / parameterBytes:F4}× of {parameterBytes} parameter bytes; " +
                    $"step time compute {epoch.TimePerStep.Compute * 1e3:F2} ms, communication {epoch.TimePerStep.Communication * 1e3:F2} ms, reduction {epoch.TimePerStep.Reduction * 1e3:F2} ms, waiting {epoch.TimePerStep.Waiting * 1e3:F2} ms; {epoch.Report.SamplesPerSecond:F0} samples/s");
            }
            output.WriteLine($"socket bytes: {coordinatorNode.WireBytes.Total} over {status.Step} steps = {socketBytesPerStepPerWorker:F0} B/step/worker = {socketBytesPerStepPerWorker / parameterBytes:F4}×");
            Assert.InRange(socketBytesPerStepPerWorker / parameterBytes, 1.9, 2.1);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_ReassignsShards_WhenWorkerConnectionIsCutMidStep(bool sharedMemory)
    {
        await using var coordinatorNode = await ClusterNode.ServerAsync("coordinator");
        var coordinator = CoordinatorHost.Start(coordinatorNode.System, ClusterRuns.Options(3), ClusterRuns.Data,
            new CoordinatorSettings { MinWorkers = 3 });
        var nodes = new List<ClusterNode>();
        try
        {
            for (int w = 1; w <= 3; w++)
                nodes.Add(await StartWorkerNodeAsync(coordinatorNode, $"node-{w}", sharedMemory));
            // Cut right after step 4 completes: step 5 has been handed to node-2, which never answers it.
            coordinator.Events.StepCompleted += s =>
            {
                if (s.Report.Step == 4)
                    _ = coordinatorNode.Remoting.Connections.Single(c => c.RemoteNodeName == "node-2").CloseAsync("cable pulled");
            };

            var result = await coordinator.Completion.WaitAsync(ClusterRuns.Deadline);

            Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
            var status = coordinator.Status!;
            Assert.Equal(MemberState.Dead, status.Members.Single(m => m.Id == "w-node-2").State);
            Assert.True(status.Reassignments >= 1, $"reassignments: {status.Reassignments}");
            Assert.Equal(2, status.LiveWorkers);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Workers_Reconnect_AndRejoin_WhenEveryConnectionIsCut(bool sharedMemory)
    {
        await using var coordinatorNode = await ClusterNode.ServerAsync("coordinator");
        var coordinator = CoordinatorHost.Start(coordinatorNode.System, ClusterRuns.Options(2), ClusterRuns.Data,
            new CoordinatorSettings { MinWorkers = 2 });
        var nodes = new List<ClusterNode>();
        var hosts = new List<RemoteWorkerHost>();
        var fast = new ReconnectPolicy(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));
        try
        {
            for (int w = 1; w <= 2; w++)
            {
                var node = ClusterNode.Client($"node-{w}");
                nodes.Add(node);
                hosts.Add(await RemoteWorkerHost.StartAsync(node.Remoting, coordinatorNode.ClusterUri, ClusterRuns.Data.Train,
                    new WorkerSettings($"w-node-{w}") { SharedMemory = sharedMemory }, policy: fast).WaitAsync(ClusterRuns.Deadline));
            }
            // With every connection cut, the coordinator has nobody left and waits; the workers dial again and rejoin.
            coordinator.Events.StepCompleted += s =>
            {
                if (s.Report.Step == 4)
                {
                    foreach (var connection in coordinatorNode.Remoting.Connections)
                        _ = connection.CloseAsync("network partition");
                }
            };

            var result = await coordinator.Completion.WaitAsync(ClusterRuns.Deadline);

            Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
            foreach (var host in hosts)
                Assert.Equal(WorkerOutcomeKind.Finished, (await host.Completion.WaitAsync(ClusterRuns.Deadline)).Kind);
            var joins = coordinatorNode.Logs.Entries.Count(e => e.Message.Contains("joined from", StringComparison.Ordinal));
            Assert.True(joins >= 4, $"joins: {joins}");
            // Every join of a worker that asked for shared memory, the rejoins included, got the files mapped (the
            // parameter file survives the workers' first mappings being closed).
            var mapped = coordinatorNode.Logs.Entries.Count(e => e.Message.Contains("go through shared memory", StringComparison.Ordinal));
            if (sharedMemory)
                Assert.True(mapped >= 4, $"joins: {joins}, mapped: {mapped}");
            else
                Assert.Equal(0, mapped);
            Assert.Equal(2, coordinator.Status!.LiveWorkers);
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
        }
    }

    /// <summary>A worker node connected to the coordinator's; with <paramref name="sharedMemory"/> it maps the files offered.</summary>
    internal static async Task<ClusterNode> StartWorkerNodeAsync(ClusterNode coordinatorNode, string name, bool sharedMemory = false)
    {
        var node = ClusterNode.Client(name);
        var connection = await node.Remoting.ConnectAsync(coordinatorNode.ClusterUri).WaitAsync(ClusterRuns.Deadline);
        var coordinatorRef = connection.ActorFor("/user/coordinator");
        WorkerHost.Start(node.System, coordinatorRef, ClusterRuns.Data.Train, new WorkerSettings($"w-{name}") { SharedMemory = sharedMemory });
        return node;
    }
}
