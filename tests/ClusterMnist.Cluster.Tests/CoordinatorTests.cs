using ClusterMnist.Actors;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Cluster.Worker;

namespace ClusterMnist.Cluster.Tests;

/// <summary>The coordinator against a hand-driven worker (a test probe) that stops answering and answers late.</summary>
public sealed class CoordinatorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Coordinator_ReassignsShards_OfSilentWorker_AndIgnoresItsLateAnswer()
    {
        await using var system = new ActorSystem("coordinator-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data,
            new CoordinatorSettings { WorkerTimeout = TimeSpan.FromMilliseconds(400) });
        using var silent = new TestProbe(system, "silent");

        // The probe joins, receives every shard of step 1 with the parameters, and never answers nor heartbeats.
        coordinator.Coordinator.Tell(new JoinRequest("silent", 4, ClusterRuns.Data.Train.Fingerprint), silent);
        var accepted = await silent.ExpectMessageAsync<JoinAccepted>(Wait);
        Assert.Equal((64, 8, 11UL), (accepted.BatchSize, accepted.MicroShardSize, accepted.Seed));
        var assignment = await silent.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal(1, assignment.Step);
        Assert.Equal(Enumerable.Range(0, 8), assignment.Shards.ToArray());
        Assert.Equal(4 * 25818, assignment.Parameters.Length);
        Assert.Equal(64, assignment.SampleIndices.Length);

        // Past the timeout it is declared dead; with nobody left the step waits, its shards parked.
        var dead = await InProcessClusterTests.Eventually(() =>
            coordinator.Status?.Members.SingleOrDefault(m => m.Id == "silent" && m.State == MemberState.Dead));
        Assert.StartsWith("no heartbeat", dead.Reason, StringComparison.Ordinal);
        Assert.Equal(CoordinatorPhase.WaitingForWorkers, coordinator.Status!.Phase);

        // Its answer arrives late, with garbage sums: it must be ignored, not added.
        coordinator.Coordinator.Tell(new ShardsDone("silent", assignment.Step, assignment.AssignmentId, assignment.Shards,
            new byte[4 * 25818], new float[6], new bool[6], new double[8], new int[8], 0.01), silent);
        await InProcessClusterTests.Eventually(() => coordinator.Status is { LateAnswersIgnored: 1 } s ? s : null);

        // A real worker joins, gets the parked shards, and the run ends exactly where the local trainer does. It
        // heartbeats well within the 400 ms timeout: under load a step can take longer than that, and a live worker
        // declared dead would be a second reassignment.
        var worker = WorkerHost.Start(system, coordinator.Coordinator, ClusterRuns.Data.Train,
            new WorkerSettings("real", Threads: 2) { HeartbeatInterval = TimeSpan.FromMilliseconds(100) });
        var result = await coordinator.Completion.WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(WorkerOutcomeKind.Finished, (await worker.Completion.WaitAsync(Wait)).Kind);
        Assert.Equal(1, coordinator.Status!.Reassignments);
        await silent.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Coordinator_DeclaresWorkerDead_WhenItHeartbeatsButNeverAnswers()
    {
        await using var system = new ActorSystem("coordinator-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data,
            new CoordinatorSettings { WorkerTimeout = TimeSpan.FromSeconds(30), AssignmentTimeout = TimeSpan.FromMilliseconds(300) });
        using var hung = new TestProbe(system, "hung");
        coordinator.Coordinator.Tell(new JoinRequest("hung", 1, ClusterRuns.Data.Train.Fingerprint), hung);
        await hung.ExpectMessageAsync<JoinAccepted>(Wait);
        var assignment = await hung.ExpectMessageAsync<ComputeShards>(Wait);
        coordinator.Coordinator.Tell(new Heartbeat("hung"), hung);

        var dead = await InProcessClusterTests.Eventually(() =>
            coordinator.Status?.Members.SingleOrDefault(m => m.Id == "hung" && m.State == MemberState.Dead));
        Assert.Equal($"no answer to assignment {assignment.AssignmentId} within 0.3 s", dead.Reason);

        WorkerHost.Start(system, coordinator.Coordinator, ClusterRuns.Data.Train, new WorkerSettings("real"));
        Assert.Equal(ClusterRuns.ReferenceHash, (await coordinator.Completion.WaitAsync(ClusterRuns.Deadline)).ParameterSha256);
    }

    [Fact]
    public async Task Coordinator_IgnoresAnswer_ForAnotherStepOrWorker()
    {
        await using var system = new ActorSystem("coordinator-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data, new CoordinatorSettings());
        using var probe = new TestProbe(system, "worker");
        coordinator.Coordinator.Tell(new JoinRequest("probe", 1, ClusterRuns.Data.Train.Fingerprint), probe);
        await probe.ExpectMessageAsync<JoinAccepted>(Wait);
        var assignment = await probe.ExpectMessageAsync<ComputeShards>(Wait);

        ShardsDone Answer(string worker, long step) => new(worker, step, assignment.AssignmentId, assignment.Shards,
            new byte[4 * 25818], new float[6], new bool[6], new double[8], new int[8], 0.01);
        coordinator.Coordinator.Tell(Answer("probe", assignment.Step + 1), probe);
        coordinator.Coordinator.Tell(Answer("someone-else", assignment.Step), probe);

        var status = await InProcessClusterTests.Eventually(() => coordinator.Status is { LateAnswersIgnored: 2 } s ? s : null);
        Assert.Equal(0, status.Step);
        await coordinator.StopAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.Completion.WaitAsync(Wait));
    }
}
