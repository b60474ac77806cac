using ClusterMnist.Actors;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Cluster.Worker;

namespace ClusterMnist.Cluster.Tests;

/// <summary>
/// A worker declared dead for silence whose connection survived (a frozen process) speaks again: it is taken back
/// with fresh parameters, its stale answer stays ignored, and the run still ends with the local trainer's parameters.
/// </summary>
public sealed class CoordinatorReadmissionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Coordinator_ReadmitsWorkerDeadForSilence_WhenItHeartbeatsAgain_WithFreshParameters()
    {
        await using var system = new ActorSystem("readmission-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data,
            new CoordinatorSettings { WorkerTimeout = TimeSpan.FromMilliseconds(400) });
        using var frozen = new TestProbe(system, "frozen");
        coordinator.Coordinator.Tell(new JoinRequest("frozen", 1, ClusterRuns.Data.Train.Fingerprint), frozen);
        await frozen.ExpectMessageAsync<JoinAccepted>(Wait);
        var first = await frozen.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.False(first.Parameters.IsEmpty);
        await InProcessClusterTests.Eventually(() =>
            coordinator.Status?.Members.SingleOrDefault(m => m.Id == "frozen" && m.State == MemberState.Dead));

        // Thawed: a heartbeat on the same reference brings it back, and the parked shards come again with parameters.
        coordinator.Coordinator.Tell(new Heartbeat("frozen"), frozen);
        var again = await frozen.ExpectMessageAsync<ComputeShards>(Wait);
        Assert.Equal(first.Step, again.Step);
        Assert.NotEqual(first.AssignmentId, again.AssignmentId);
        Assert.Equal(first.Shards.ToArray(), again.Shards.ToArray());
        Assert.False(again.Parameters.IsEmpty);
        Assert.Equal(MemberState.Active, coordinator.Status!.Members.Single(m => m.Id == "frozen").State);

        // Its answer to the first assignment, with garbage sums, is stale and must not be added.
        coordinator.Coordinator.Tell(new ShardsDone("frozen", first.Step, first.AssignmentId, first.Shards, new byte[first.Parameters.Length],
            new float[6], new bool[6], new double[first.Shards.Length], new int[first.Shards.Length], 0.01), frozen);
        await InProcessClusterTests.Eventually(() => coordinator.Status is { LateAnswersIgnored: 1 } s ? s : null);

        // It falls silent again (dead again, shards reassigned); a real worker ends the run exactly.
        var worker = WorkerHost.Start(system, coordinator.Coordinator, ClusterRuns.Data.Train, new WorkerSettings("real", Threads: 2));
        var result = await coordinator.Completion.WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(WorkerOutcomeKind.Finished, (await worker.Completion.WaitAsync(Wait)).Kind);
    }

    [Fact]
    public async Task Coordinator_KeepsAHungWorkerDead_ThoughItStillHeartbeats()
    {
        await using var system = new ActorSystem("readmission-test");
        var coordinator = CoordinatorHost.Start(system, ClusterRuns.Options(1), ClusterRuns.Data,
            new CoordinatorSettings { WorkerTimeout = TimeSpan.FromSeconds(30), AssignmentTimeout = TimeSpan.FromMilliseconds(300) });
        using var hung = new TestProbe(system, "hung");
        coordinator.Coordinator.Tell(new JoinRequest("hung", 1, ClusterRuns.Data.Train.Fingerprint), hung);
        await hung.ExpectMessageAsync<JoinAccepted>(Wait);
        await hung.ExpectMessageAsync<ComputeShards>(Wait);
        await InProcessClusterTests.Eventually(() =>
            coordinator.Status?.Members.SingleOrDefault(m => m.Id == "hung" && m.State == MemberState.Dead));

        // Heartbeats were never its problem: it stays out and gets no more work.
        coordinator.Coordinator.Tell(new Heartbeat("hung"), hung);
        await hung.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(MemberState.Dead, coordinator.Status!.Members.Single(m => m.Id == "hung").State);
    }
}
