using ClusterMnist.Actors;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Protocol;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests.Remoting;

/// <summary>
/// Workers on the coordinator's host exchanging parameters and sums through shared memory files, beside workers that
/// use the WebSocket: the parameters must end exactly where the local trainer's do, whoever used which path (a
/// worker cut mid-step while using them: RemoteClusterTests).
/// </summary>
public sealed class SharedMemoryClusterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Run_WithSharedMemoryAndWebSocketWorkers_EndsWithLocalTrainerParameters_AndKeepsTensorsOffTheWire()
    {
        var coordinatorNode = await ClusterNode.ServerAsync("coordinator");
        var coordinator = CoordinatorHost.Start(coordinatorNode.System, ClusterRuns.Options(3), ClusterRuns.Data,
            new CoordinatorSettings { MinWorkers = 3 });
        var nodes = new List<ClusterNode>();
        var files = new List<string>();
        try
        {
            nodes.Add(await RemoteClusterTests.StartWorkerNodeAsync(coordinatorNode, "node-1", sharedMemory: true));
            nodes.Add(await RemoteClusterTests.StartWorkerNodeAsync(coordinatorNode, "node-2", sharedMemory: true));
            nodes.Add(await RemoteClusterTests.StartWorkerNodeAsync(coordinatorNode, "node-3", sharedMemory: false));

            var result = await coordinator.Completion.WaitAsync(ClusterRuns.Deadline);

            Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
            var status = coordinator.Status!;
            Assert.Equal(3, status.Members.Count(m => m.ShardsDone > 0));
            var mapped = coordinatorNode.Logs.Entries.Where(e => e.Message.Contains("go through shared memory", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, mapped.Count);
            Assert.DoesNotContain(mapped, e => e.Message.Contains("w-node-3", StringComparison.Ordinal));
            // The workers name the files they mapped: one parameter file for both, a sums file each.
            files.AddRange(nodes.SelectMany(n => n.Logs.Entries)
                .Select(e => System.Text.RegularExpressions.Regex.Match(e.Message, @"mapped (\S+) and (\S+)\)"))
                .Where(m => m.Success).SelectMany(m => new[] { m.Groups[1].Value, m.Groups[2].Value }).Distinct());
            Assert.Equal(3, files.Count);

            // Two of three workers move no tensor bytes over the socket: about a third of the WebSocket-only traffic.
            long parameterBytes = status.History[0].ParameterBytes;
            foreach (var epoch in status.History)
            {
                double ratio = epoch.BytesPerStepPerWorker / parameterBytes;
                output.WriteLine($"epoch {epoch.Report.Epoch}: payload {epoch.BytesPerStepPerWorker:F0} B/step/worker = {ratio:F4}× of {parameterBytes} parameter bytes");
                Assert.InRange(ratio, 0.55, 0.8);
            }
        }
        finally
        {
            foreach (var node in nodes)
                await node.DisposeAsync();
            await coordinatorNode.DisposeAsync();
        }
        // Every file is gone once the coordinator and its workers stopped (the parameter file with the coordinator).
        Assert.All(files, path => Assert.False(File.Exists(path), path));
    }

    [Fact]
    public async Task Coordinator_SendsTensorsInTheMessages_UntilTheWorkerSaysItMappedTheFiles()
    {
        await using var system = new ActorSystem("shared-memory-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data, new CoordinatorSettings());
        using var probe = new TestProbe(system, "probe");
        coordinator.Coordinator.Tell(new JoinRequest("probe", 1, ClusterRuns.Data.Train.Fingerprint, SharedMemory: true), probe);
        var accepted = await probe.ExpectMessageAsync<JoinAccepted>(Wait);
        var offer = Assert.IsType<SharedMemoryOffer>(accepted.SharedMemory);
        Assert.True(File.Exists(offer.ParametersPath) && File.Exists(offer.SumsPath));

        // Not yet answered: the first step's parameters come in the message.
        var first = await probe.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal(4 * 25818, first.Parameters.Length);
        Assert.False(first.ParametersShared);
        Assert.Equal(-1, first.SharedSumsSlot);

        // Mapped: the worker's files are unlinked (the mappings live on) and the next step comes through them.
        using var parameters = SharedParameters.Open(offer.ParametersPath, offer.ParametersNonce, 25818, out var problem);
        using var sums = SharedSums.Open(offer.SumsPath, offer.SumsNonce, 25818, out problem);
        Assert.True(parameters is not null && sums is not null, problem);
        coordinator.Coordinator.Tell(new SharedMemoryReady("probe", Attached: true, "test"), probe);
        await InProcessClusterTests.Eventually(() => File.Exists(offer.SumsPath) ? null : "unlinked");
        var values = new int[25818];
        coordinator.Coordinator.Tell(new ShardsDone("probe", first.Step, first.AssignmentId, first.Shards, TrainingWire.RawBytes<int>(values),
            new float[6], new bool[6], new double[8], new int[8], 0.01), probe);
        var second = await probe.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal(2, second.Step);
        Assert.True(second.Parameters.IsEmpty);
        Assert.True(second.ParametersShared);
        Assert.InRange(second.SharedSumsSlot, 0, SharedSums.Slots - 1);
        var read = new float[25818];
        Assert.True(parameters.TryRead(second.ParameterVersion, read));

        // The answer through the slot is taken, and the step after it comes through the files again.
        sums.Writable(second.SharedSumsSlot).Clear();
        coordinator.Coordinator.Tell(new ShardsDone("probe", second.Step, second.AssignmentId, second.Shards, ReadOnlyMemory<byte>.Empty,
            new float[6], new bool[6], new double[8], new int[8], 0.01, second.SharedSumsSlot), probe);
        var third = await probe.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal(3, third.Step);
        Assert.True(third.ParametersShared);
        Assert.True(parameters.TryRead(third.ParameterVersion, read));
        await coordinator.StopAsync();
    }

    [Fact]
    public async Task Coordinator_KeepsTensorsInTheMessages_ForAWorkerThatDeclines_OrWhenSharedMemoryIsOff()
    {
        await using var system = new ActorSystem("shared-memory-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data, new CoordinatorSettings());
        using var probe = new TestProbe(system, "probe");
        coordinator.Coordinator.Tell(new JoinRequest("probe", 1, ClusterRuns.Data.Train.Fingerprint, SharedMemory: true), probe);
        var offer = (await probe.ExpectMessageAsync<JoinAccepted>(Wait)).SharedMemory!;
        coordinator.Coordinator.Tell(new SharedMemoryReady("probe", Attached: false, "another host"), probe);
        await InProcessClusterTests.Eventually(() => File.Exists(offer.SumsPath) ? null : "unlinked");
        var first = await probe.ExpectMessageAsync<ComputeShards>(Wait);
        coordinator.Coordinator.Tell(new ShardsDone("probe", first.Step, first.AssignmentId, first.Shards, new byte[4 * 25818],
            new float[6], new bool[6], new double[8], new int[8], 0.01), probe);
        var second = await probe.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal((4 * 25818, false, -1), (second.Parameters.Length, second.ParametersShared, second.SharedSumsSlot));
        await coordinator.StopAsync();

        await using var offSystem = new ActorSystem("shared-memory-off");
        var off = CoordinatorHost.Start(offSystem, ClusterRuns.Options(1), ClusterRuns.Data, new CoordinatorSettings { SharedMemory = false });
        using var asking = new TestProbe(offSystem, "asking");
        off.Coordinator.Tell(new JoinRequest("asking", 1, ClusterRuns.Data.Train.Fingerprint, SharedMemory: true), asking);
        Assert.Null((await asking.ExpectMessageAsync<JoinAccepted>(Wait)).SharedMemory);
        await off.StopAsync();
    }
}
