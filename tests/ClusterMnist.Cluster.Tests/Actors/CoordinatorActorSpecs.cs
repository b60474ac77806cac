using Akka.Actor;
using Akka.Event;
using Akka.TestKit;
using ClusterMnist.Cluster.Actors;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Training;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests.Actors;

/// <summary>
/// The coordinator actor against test probes standing in for workers: joining, refusal, reassignment when a worker
/// stops or misses its deadline (virtual time), stale answers, the end of the run and a resumed finished run.
/// </summary>
public sealed class CoordinatorActorSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(Config, output)
{
    // Virtual time: deadlines pass when a test advances the scheduler, never because the machine is slow.
    // Info too: some tests prove a line is news (info), not a warning.
    private const string Config = """
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        akka.loglevel = INFO
        """;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan AssignmentTimeout = TimeSpan.FromSeconds(60);
    private static readonly int ParameterBytes = 4 * 25818;

    private static string Fingerprint => ClusterRuns.Data.Train.Fingerprint;

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public void Coordinator_AcceptsAJoin_AndAssignsEveryShardOnceTheWorkerIsReady()
    {
        var (coordinator, _) = StartCoordinator();
        var worker = CreateTestProbe("w1");

        coordinator.Tell(new JoinRequest("w1", 4, SharedMemory: false), worker);
        var accepted = worker.ExpectMsg<JoinAccepted>(Wait);
        Assert.Equal((Fingerprint, 64, 8, 11UL), (accepted.DataFingerprint, accepted.BatchSize, accepted.MicroShardSize, accepted.Seed));
        Assert.Null(accepted.DataPlane);
        // A repeated join (the answer crossed it) gets the same answer, and nothing else happens.
        coordinator.Tell(new JoinRequest("w1", 4, SharedMemory: false), worker);
        Assert.Same(accepted, worker.ExpectMsg<JoinAccepted>(Wait));
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        coordinator.Tell(new WorkerReady("w1", Fingerprint, TensorRoute.Inline, "test"), worker);
        // Admitted first: only now is the worker ready (in its log, for a readiness probe).
        Assert.Equal(1, worker.ExpectMsg<WorkerAdmitted>(Wait).LiveWorkers);
        var assignment = worker.ExpectMsg<ComputeShards>(Wait);
        Assert.Equal(1, assignment.Step);
        Assert.Equal(Enumerable.Range(0, 8), assignment.Shards.ToArray());
        Assert.Equal(ParameterBytes, assignment.Parameters.Length);
        Assert.Equal(64, assignment.SampleIndices.Length);
    }

    [Fact]
    public void Coordinator_ScalingUpAtAnEpoch_HoldsItsFirstStepUntilThatManyWorkersAreLive()
    {
        var (coordinator, events) = StartCoordinator(new ScaleAt(Epoch: 1, Workers: 2));
        var first = JoinReady(coordinator, "first");
        first.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        AwaitCondition(() => events.Status?.Phase == CoordinatorPhase.WaitingForWorkers, Wait);

        var second = JoinReady(coordinator, "second");
        var a = first.ExpectMsg<ComputeShards>(Wait);
        var b = second.ExpectMsg<ComputeShards>(Wait);
        Assert.Equal((1L, 1L), (a.Step, b.Step));
        Assert.Equal(Enumerable.Range(0, 8), a.Shards.ToArray().Concat(b.Shards.ToArray()).Order());
    }

    [Theory]
    [InlineData("2:3", true)]
    [InlineData(" 10 : 1 ", true)]
    [InlineData("0:3", false)]
    [InlineData("2:0", false)]
    [InlineData("2", false)]
    [InlineData("2:3:4", false)]
    [InlineData("-1:3", false)]
    [InlineData("two:three", false)]
    public void ScaleAt_ParsesEpochColonWorkers_AndNothingElse(string text, bool valid) =>
        Assert.Equal(valid, ScaleAt.TryParse(text, out _));

    [Fact]
    public void Coordinator_RefusesAWorkerWithAnotherDataSet_AndSaysWhy()
    {
        var (coordinator, events) = StartCoordinator();
        var worker = CreateTestProbe("other-data");

        coordinator.Tell(new JoinRequest("other-data", 1, SharedMemory: false), worker);
        worker.ExpectMsg<JoinAccepted>(Wait);
        coordinator.Tell(new WorkerReady("other-data", "0123456789abcdef", TensorRoute.Inline, "test"), worker);

        var refused = worker.ExpectMsg<JoinRefused>(Wait);
        Assert.Contains("fingerprint 0123456789ab", refused.Reason, StringComparison.Ordinal);
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var member = AwaitMember(events, "other-data", MemberState.Refused);
        Assert.Equal("refused", member.ClusterState);
    }

    [Fact]
    public void Coordinator_TellsAWorkerReplacedByANewerOneWithItsId_WhyItIsOut()
    {
        var (coordinator, events) = StartCoordinator();
        var old = JoinReady(coordinator, "w1");
        old.ExpectMsg<ComputeShards>(Wait);

        var newer = CreateTestProbe("newer");
        coordinator.Tell(new JoinRequest("w1", 1, SharedMemory: false), newer);
        newer.ExpectMsg<JoinAccepted>(Wait);

        // Not left to guess from its stream closing: it is told that its id was taken, and by whom.
        var refused = old.ExpectMsg<JoinRefused>(Wait);
        Assert.Contains("worker id 'w1' was taken by a newer worker", refused.Reason, StringComparison.Ordinal);
        Assert.Contains(newer.Ref.Path.Address.ToString(), refused.Reason, StringComparison.Ordinal);
        AwaitCondition(() => events.Status?.Members.SingleOrDefault(m => m.Id == "w1")?.State == MemberState.Joining, Wait);
    }

    [Theory]
    [InlineData(Akka.Cluster.MemberStatus.Exiting, typeof(Info), "declaring it left")]
    [InlineData(Akka.Cluster.MemberStatus.Down, typeof(Warning), "declaring it dead")]
    public void Coordinator_LogsAWorkerWhoseNodeLeft_AsNews_AndOneWhoseNodeWasDowned_AsAWarning(
        Akka.Cluster.MemberStatus previous, Type level, string declared)
    {
        var (coordinator, events) = StartCoordinator();
        JoinReady(coordinator, "w1");
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs.Ref, typeof(LogEvent));

        // The cluster's word that the probes' node (the worker's) was removed, after leaving or after being downed.
        var node = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        coordinator.Tell(new Akka.Cluster.ClusterEvent.MemberRemoved(RemovedMember(node), previous));

        var line = logs.FishForMessage<LogEvent>(e => e.Message.ToString()!.Contains("Worker w1 is gone", StringComparison.Ordinal), Wait);
        Assert.IsType(level, line);
        Assert.Contains(declared, line.Message.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Coordinator_TakesAnAnswerOnlyFromTheWorkerItNames()
    {
        var (coordinator, events) = StartCoordinator();
        var worker = JoinReady(coordinator, "w1");
        var assignment = worker.ExpectMsg<ComputeShards>(Wait);
        var impostor = CreateTestProbe("impostor");

        coordinator.Tell(Answer("w1", assignment), impostor);
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, events.Status?.Step ?? 0);

        coordinator.Tell(Answer("w1", assignment), worker);
        var next = worker.ExpectMsg<ComputeShards>(Wait);
        Assert.Equal(assignment.Step + 1, next.Step);
    }

    [Fact]
    public void Coordinator_ReassignsTheShardsOfAWorkerThatStops_AndIgnoresAnswersThatAreNotCurrent()
    {
        var (coordinator, events) = StartCoordinator();
        var first = JoinReady(coordinator, "first");
        var assignment = first.ExpectMsg<ComputeShards>(Wait);
        var second = JoinReady(coordinator, "second");
        second.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // An answer for another step, and one from a worker that was not given the assignment: both ignored.
        coordinator.Tell(Answer("first", assignment with { Step = assignment.Step + 1 }), first);
        coordinator.Tell(Answer("second", assignment), second);
        AwaitAssert(() => Assert.Equal(2, events.Status!.LateAnswersIgnored), Wait);

        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Wait);
        var moved = second.ExpectMsg<ComputeShards>(Wait);
        Assert.Equal(assignment.Step, moved.Step);
        Assert.Equal(assignment.Shards.ToArray(), moved.Shards.ToArray());
        Assert.Equal(ParameterBytes, moved.Parameters.Length);
        var dead = AwaitMember(events, "first", MemberState.Dead);
        Assert.Equal("its actor stopped", dead.Reason);
        Assert.Equal(1, events.Status!.Reassignments);
    }

    [Fact]
    public void Coordinator_SuspendsAWorkerOnTheFirstSignOfALostNode_AndItsShardsGoToTheNextWorker()
    {
        var (coordinator, events) = StartCoordinator();
        var lost = JoinReady(coordinator, "lost");
        var assignment = lost.ExpectMsg<ComputeShards>(Wait);

        // Remoting's word that the connection to the worker's node dropped (here, the probes' own node).
        var node = ((ExtendedActorSystem)Sys).Provider.DefaultAddress;
        coordinator.Tell(new Akka.Remote.DisassociatedEvent(node, node, inbound: true));
        var suspended = AwaitMember(events, "lost", MemberState.Unreachable);
        Assert.Equal("unreachable: its connection was lost", suspended.Reason);
        Assert.Equal("unreachable", suspended.ClusterState);

        // Nobody is left, so the step waits; the next worker to be ready gets the suspended one's shards.
        var next = JoinReady(coordinator, "next");
        var moved = next.ExpectMsg<ComputeShards>(Wait);
        Assert.Equal(assignment.Shards.ToArray(), moved.Shards.ToArray());
        Assert.Equal(assignment.Step, moved.Step);
        Assert.Equal(1, events.Status!.Reassignments);
    }

    [Fact]
    public void Coordinator_ReassignsTheShardsOfAWorkerThatMissesItsDeadline_AndIgnoresItsLateAnswer()
    {
        var (coordinator, events) = StartCoordinator();
        var hung = JoinReady(coordinator, "hung");
        var assignment = hung.ExpectMsg<ComputeShards>(Wait);
        var other = JoinReady(coordinator, "other");

        Scheduler.Advance(AssignmentTimeout / 2);
        other.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Scheduler.Advance(AssignmentTimeout);

        var moved = other.ExpectMsg<ComputeShards>(Wait);
        Assert.Equal(assignment.Shards.ToArray(), moved.Shards.ToArray());
        var dead = AwaitMember(events, "hung", MemberState.Dead);
        Assert.Equal($"no answer to assignment {assignment.AssignmentId} within 60.0 s", dead.Reason);

        // Its answer comes after all, with garbage sums: ignored, never added.
        coordinator.Tell(Answer("hung", assignment), hung);
        AwaitAssert(() => Assert.Equal(1, events.Status!.LateAnswersIgnored), Wait);
        Assert.Equal(0, events.Status!.Step);
    }

    [Fact]
    public async Task Coordinator_FinishesTheRunWithARealWorker_AtTheLocalTrainersParameters_AndTellsEveryMember()
    {
        var (coordinator, events) = StartCoordinator();
        var bystander = CreateTestProbe("bystander");
        coordinator.Tell(new JoinRequest("bystander", 1, SharedMemory: false), bystander);
        bystander.ExpectMsg<JoinAccepted>(Wait);

        var worker = WorkerHost.Start(Sys, coordinator, ClusterRuns.Data.Train, new WorkerSettings("real", Threads: 2));
        var result = await events.Completion.WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(WorkerOutcomeKind.Finished, (await worker.Completion.WaitAsync(Wait)).Kind);
        Assert.Equal(result.ParameterSha256, bystander.ExpectMsg<TrainingFinished>(Wait).ParameterSha256);
        // A worker that asks to join after the end is told so at once.
        var late = CreateTestProbe("late");
        coordinator.Tell(new JoinRequest("late", 1, SharedMemory: false), late);
        Assert.Equal(result.ParameterSha256, late.ExpectMsg<TrainingFinished>(Wait).ParameterSha256);
    }

    [Fact]
    public async Task Coordinator_ResumingAFinishedRun_EndsAtOnce_AtTheSameParameters()
    {
        string path = Path.Combine(Path.GetTempPath(), $"coordinator-spec-{Guid.NewGuid():N}.ckpt");
        try
        {
            var finished = new InProcessCluster(ClusterRuns.Options(1), ClusterRuns.Data) { CheckpointPath = path };
            await finished.RunAsync().WaitAsync(ClusterRuns.Deadline);

            var events = new CoordinatorEvents();
            var (run, settings) = CoordinatorHost.PrepareResume(path, ClusterRuns.Data, new CoordinatorSettings());
            Sys.ActorOf(CoordinatorActor.Props(run, settings, events));

            var result = await events.Completion.WaitAsync(Wait);
            Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
            Assert.Equal(CoordinatorPhase.Completed, events.Status!.Phase);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private (IActorRef Coordinator, CoordinatorEvents Events) StartCoordinator(ScaleAt? scaleAt = null)
    {
        var events = new CoordinatorEvents();
        var settings = new CoordinatorSettings { AssignmentTimeout = AssignmentTimeout, ScaleAt = scaleAt };
        return (Sys.ActorOf(CoordinatorActor.Props(new TrainingRun(ClusterRuns.Options(1), ClusterRuns.Data), settings, events)), events);
    }

    private TestProbe JoinReady(IActorRef coordinator, string id)
    {
        var probe = CreateTestProbe(id);
        coordinator.Tell(new JoinRequest(id, 1, SharedMemory: false), probe);
        probe.ExpectMsg<JoinAccepted>(Wait);
        coordinator.Tell(new WorkerReady(id, Fingerprint, TensorRoute.Inline, "test"), probe);
        probe.ExpectMsg<WorkerAdmitted>(Wait);
        return probe;
    }

    // Akka.Cluster makes members itself (Member.Removed is internal).
    private static Akka.Cluster.Member RemovedMember(Address address) =>
        (Akka.Cluster.Member)typeof(Akka.Cluster.Member).GetMethod("Removed", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!
            .Invoke(null, [new Akka.Cluster.UniqueAddress(address, 1)])!;

    private static ShardsDone Answer(string worker, ComputeShards assignment) => new(worker, assignment.Step, assignment.AssignmentId,
        assignment.Shards, new byte[ParameterBytes], new float[6], new bool[6], new double[assignment.Shards.Length],
        new int[assignment.Shards.Length], 0.01);

    private MemberStatus AwaitMember(CoordinatorEvents events, string id, MemberState state)
    {
        MemberStatus? found = null;
        AwaitCondition(() => (found = events.Status?.Members.SingleOrDefault(m => m.Id == id && m.State == state)) is not null, Wait);
        return found!;
    }
}
