using Akka.Actor;
using Akka.TestKit;
using ClusterMnist.Cluster.Actors;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests.Actors;

/// <summary>
/// A worker on another node (here: its data plane stream stands in), driven by a probe as its coordinator: each
/// step's assignment comes on the stream, and whatever the worker says about a step, its goodbye too, goes there
/// behind its answers, never over Akka, which could overtake them.
/// </summary>
public sealed class WorkerActorSpecs(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private const string Model = "784-16-10";
    private const int Batch = 64;
    private const int MicroShard = 32;

    [Fact]
    public async Task AWorkerThatFailsOnAnAssignment_SaysGoodbyeOnItsStream_AndEndsFailed()
    {
        var coordinator = CreateTestProbe();
        var stream = new RecordingStream();
        var progress = new WorkerProgress();
        Sys.ActorOf(WorkerActor.Props(new WorkerSettings("w1"), coordinator.Ref, new Resources(SyntheticData.Images(256, seed: 3), stream), progress));
        coordinator.ExpectMsg<JoinRequest>();
        coordinator.Reply(new JoinAccepted("c", "", "", Model, Batch, MicroShard, Seed: 1,
            new DataPlaneOffer(SharedMemory: null, new StreamOffer("127.0.0.1", 1, new byte[16], Encrypted: true))));
        coordinator.ExpectMsg<WorkerReady>();

        // Shard 7 of a 64-row batch of 32-row shards does not exist: the computation throws.
        stream.Deliver(new ComputeShards(Step: 1, AssignmentId: 1, ParameterVersion: 0, ReadOnlyMemory<byte>.Empty, Batch, new[] { 7 },
            Enumerable.Range(0, MicroShard).ToArray(), new int[4], TensorRoute.Stream));

        var outcome = await progress.Outcome.WaitAsync(RemainingOrDefault);
        Assert.Equal(WorkerOutcomeKind.Failed, outcome.Kind);
        Assert.Contains("outside the batch", outcome.Detail, StringComparison.Ordinal);
        Assert.Equal(["goodbye: failed: " + outcome.Detail], stream.Sent);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task AWorkerIsReadyOnlyOnceTheCoordinatorAdmitsIt()
    {
        var (coordinator, progress) = StartAndSayReady("w1");

        Assert.False(progress.Ready.IsCompleted, "ready before the coordinator took its ready message");
        coordinator.Reply(new WorkerAdmitted(1));
        await progress.Ready.WaitAsync(RemainingOrDefault);
    }

    [Fact]
    public async Task AWorkerRefusedAfterItsReadyMessage_WasNeverReady()
    {
        // Any refusal that answers the ready message (another data set, a route it was not offered), not only the one
        // the worker could foresee from the fingerprint the coordinator sent.
        var (coordinator, progress) = StartAndSayReady("w1");

        coordinator.Reply(new JoinRefused("it asked for tensors on the Stream route, which this coordinator did not offer it."));

        var outcome = await progress.Outcome.WaitAsync(RemainingOrDefault);
        Assert.Equal(WorkerOutcomeKind.Refused, outcome.Kind);
        Assert.False(progress.Ready.IsCompleted, "a refused worker was never ready");
    }

    private (TestProbe Coordinator, WorkerProgress Progress) StartAndSayReady(string id)
    {
        var coordinator = CreateTestProbe();
        var progress = new WorkerProgress();
        Sys.ActorOf(WorkerActor.Props(new WorkerSettings(id), coordinator.Ref, new Resources(SyntheticData.Images(256, seed: 3), new RecordingStream()), progress));
        coordinator.ExpectMsg<JoinRequest>();
        coordinator.Reply(new JoinAccepted("c", "", "", Model, Batch, MicroShard, Seed: 1,
            new DataPlaneOffer(SharedMemory: null, new StreamOffer("127.0.0.1", 1, new byte[16], Encrypted: true))));
        coordinator.ExpectMsg<WorkerReady>();
        return (coordinator, progress);
    }

    private sealed class Resources(ImageSet train, ICoordinatorStream stream) : IWorkerResources
    {
        public Task<ImageSet> LoadTrainingSetAsync(string dataset, CancellationToken cancellationToken) => Task.FromResult(train);

        public Task WarmUpAsync(JoinAccepted accepted, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<ICoordinatorStream> ConnectAsync(StreamOffer offer, string workerId, CancellationToken cancellationToken) => Task.FromResult(stream);
    }

    /// <summary>A stream that hands the test's assignments to the worker and records what the worker sends.</summary>
    private sealed class RecordingStream : ICoordinatorStream
    {
        private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _sent = [];
        private Action<ComputeShards>? _onAssignment;

        public Task<string> Completion => _completion.Task;

        public IReadOnlyList<string> Sent
        {
            get
            {
                lock (_sent)
                    return [.. _sent];
            }
        }

        public void Start(int maxAssignmentBytes, Action<ComputeShards> onAssignment) => _onAssignment = onAssignment;

        public void Deliver(ComputeShards assignment) => _onAssignment!(assignment);

        public ValueTask<ReadOnlyMemory<byte>> TakeParametersAsync(long version, CancellationToken cancellationToken)
            => ValueTask.FromResult<ReadOnlyMemory<byte>>(new byte[4 * new Core.Model.Network(Core.Model.ModelSpec.Parse(Model)).ParameterCount]);

        public ValueTask SendAnswerAsync(ShardsDone done, CancellationToken cancellationToken) => Record($"answer {done.AssignmentId}");

        public ValueTask SendGoodbyeAsync(string reason, CancellationToken cancellationToken) => Record($"goodbye: {reason}");

        public ValueTask DisposeAsync()
        {
            _completion.TrySetResult("disposed");
            return ValueTask.CompletedTask;
        }

        private ValueTask Record(string what)
        {
            lock (_sent)
                _sent.Add(what);
            return ValueTask.CompletedTask;
        }
    }
}
