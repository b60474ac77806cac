using System.Runtime.InteropServices;
using System.Threading.Channels;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Cluster.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>
/// Every step's messages on a worker's stream, between the coordinator's <see cref="CoordinatorDataPlane"/> (whose
/// events go to this test's actor, standing in for the coordinator actor) and a worker's <see cref="CoordinatorStream"/>:
/// the assignment goes down after its parameters, the answer comes back with its sums right behind it, the goodbye
/// follows the last answer; sums that do not follow their answer, answers to assignments never given and oversized
/// frames close the stream before their payload is read.
/// </summary>
public sealed class StepFrameTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private const int ParameterCount = 1000;
    private static readonly int MaxControlBytes = TensorMessageSerializer.MaxControlBytes(batchSize: 64, segmentCount: 4);
    private static readonly TimeSpan Wait = DataPlaneHarness.HangGuard;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Assignment_Answer_Sums_AndGoodbye_CrossTheStream_InOrder(bool encrypted)
    {
        await using var link = await LinkAsync(encrypted);
        byte[] parameters = DataPlaneRoundTripTests.RandomBytes(ParameterCount * 4, 1);
        var tensor = new SharedTensorPool(ParameterCount).Rent();
        parameters.CopyTo(MemoryMarshal.AsBytes(tensor.Floats.AsSpan()));
        var sent = Assignment(1, TensorRoute.Stream);

        link.AtCoordinator.SendParameters(sent.ParameterVersion, tensor);
        link.AtCoordinator.SendAssignment(sent);

        var received = await link.Assignments.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal((sent.Step, sent.AssignmentId, sent.ParameterVersion, sent.BatchRows, sent.ParametersRoute),
            (received.Step, received.AssignmentId, received.ParameterVersion, received.BatchRows, received.ParametersRoute));
        Assert.Equal(sent.Shards.ToArray(), received.Shards.ToArray());
        Assert.Equal(sent.SampleIndices.ToArray(), received.SampleIndices.ToArray());
        Assert.Equal(sent.Exponents.ToArray(), received.Exponents.ToArray());
        // The parameters it names arrived before it.
        var frame = await link.AtWorker.TakeParametersAsync(sent.ParameterVersion, CancellationToken.None).AsTask().WaitAsync(Wait);
        Assert.True(frame.Span.SequenceEqual(parameters));
        PooledTensor.Release(frame);

        byte[] sums = DataPlaneRoundTripTests.RandomBytes(ParameterCount * 4, 2);
        await link.AtWorker.SendAnswerAsync(Answer("w1", 1, TensorRoute.Stream, sums), CancellationToken.None);
        await link.AtWorker.SendGoodbyeAsync("signal", CancellationToken.None);

        var answer = Assert.IsType<ShardsDone>(ExpectMsg<StreamReceived>(Wait).Message);
        Assert.Equal(("w1", 1L, TensorRoute.Stream), (answer.WorkerId, answer.AssignmentId, answer.SumsRoute));
        Assert.True(answer.Sums.Span.SequenceEqual(sums));
        Assert.Equal([0.5, 0.25], answer.ShardLoss.ToArray());
        PooledTensor.Release(answer.Sums);
        Assert.Equal(new Goodbye("w1", "signal"), ExpectMsg<StreamReceived>(Wait).Message);
    }

    [Fact]
    public async Task AnswerWithItsSumsInSharedMemory_ComesAlone()
    {
        await using var link = await LinkAsync(encrypted: false);
        link.AtCoordinator.SendAssignment(Assignment(1, TensorRoute.SharedMemory) with { SharedSumsSlot = 1 });
        await link.Assignments.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        await link.AtWorker.SendAnswerAsync(Answer("w1", 1, TensorRoute.SharedMemory, []) with { SharedSumsSlot = 1 }, CancellationToken.None);

        var answer = Assert.IsType<ShardsDone>(ExpectMsg<StreamReceived>(Wait).Message);
        Assert.Equal((TensorRoute.SharedMemory, 1, 0), (answer.SumsRoute, answer.SharedSumsSlot, answer.Sums.Length));
    }

    [Fact]
    public async Task SumsThatDoNotFollowTheirAnswer_CloseTheStream()
    {
        await using var link = await LinkAsync(encrypted: true);
        link.AtCoordinator.SendAssignment(Assignment(1, TensorRoute.Stream));
        await link.Assignments.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        await DataPlaneHarness.SendRefusedFrameAsync(link.WorkerConnection, DataFrameKind.GradientSum, 1, new byte[ParameterCount * 4]);

        Assert.Contains("gradient sums must follow their answer", ExpectMsg<StreamClosed>(Wait).Reason);
        await link.Log.WaitForAsync("Warning", "worker 'w1'", "GradientSum frame 1");
    }

    [Fact]
    public async Task AnswerToAnAssignmentNeverGiven_ClosesTheStream()
    {
        await using var link = await LinkAsync(encrypted: false);
        link.AtCoordinator.SendAssignment(Assignment(1, TensorRoute.Stream));
        await link.Assignments.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        await DataPlaneHarness.RefusedAsync(link.AtWorker.SendAnswerAsync(Answer("w1", 2, TensorRoute.Stream, new byte[ParameterCount * 4]), CancellationToken.None));

        Assert.Contains("assignment 2 was never given to this worker", ExpectMsg<StreamClosed>(Wait).Reason);
    }

    [Fact]
    public async Task AnswerLongerThanTheBound_ClosesTheStream_BeforeItIsRead()
    {
        await using var link = await LinkAsync(encrypted: false);
        link.AtCoordinator.SendAssignment(Assignment(1, TensorRoute.Stream));
        await link.Assignments.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        await DataPlaneHarness.SendRefusedFrameAsync(link.WorkerConnection, DataFrameKind.Answer, 1, new byte[MaxControlBytes + 1]);

        Assert.Contains($"an answer takes at most {MaxControlBytes} bytes", ExpectMsg<StreamClosed>(Wait).Reason);
    }

    [Fact]
    public async Task AssignmentLongerThanTheBound_ClosesTheWorkersStream()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        FrameInbox.Start(coordinator);
        var stream = new CoordinatorStream(worker);
        var assignments = Channel.CreateUnbounded<ComputeShards>();
        stream.Start(MaxControlBytes, a => assignments.Writer.TryWrite(a));

        await DataPlaneHarness.SendRefusedFrameAsync(coordinator, DataFrameKind.Assignment, 1, new byte[MaxControlBytes + 1]);

        Assert.Contains($"an assignment takes at most {MaxControlBytes} bytes", await stream.Completion.WaitAsync(Wait));
        Assert.False(assignments.Reader.TryRead(out _));
    }

    private static ComputeShards Assignment(long id, TensorRoute route) => new(Step: 3, AssignmentId: id, ParameterVersion: 2,
        ReadOnlyMemory<byte>.Empty, BatchRows: 64, Shards: new[] { 1, 5 }, SampleIndices: Enumerable.Range(100, 16).ToArray(),
        Exponents: new[] { -20, -21, -22, -23 }, route);

    private static ShardsDone Answer(string workerId, long id, TensorRoute route, byte[] sums) => new(workerId, Step: 3, id, new[] { 1, 5 }, sums,
        MaxAbs: new[] { 1f, 2f, 3f, 4f }, Overflow: new[] { false, false, true, false }, ShardLoss: new[] { 0.5, 0.25 }, ShardCorrect: new[] { 7, 8 },
        ComputeSeconds: 0.001, route);

    private async Task<Link> LinkAsync(bool encrypted)
    {
        var certificate = ClusterCertificate.CreateNew();
        var security = encrypted ? DataPlaneSecurity.MutualTls(certificate) : DataPlaneSecurity.PlaintextForTrustedNetwork();
        var log = new ListLogger();
        var plane = await CoordinatorDataPlane.StartAsync("127.0.0.1", 0, "127.0.0.1", security, ParameterCount, MaxControlBytes, log);
        var offer = ((ICoordinatorDataPlane)plane).Authorize("w1", TestActor);
        var connection = await DataPlaneClient.ConnectAsync("127.0.0.1", offer.Port, "w1", offer.Ticket, security, NullLogger.Instance)
            .WaitAsync(Wait);
        var atWorker = new CoordinatorStream(connection);
        var assignments = Channel.CreateUnbounded<ComputeShards>();
        atWorker.Start(MaxControlBytes, a => assignments.Writer.TryWrite(a));
        var connected = ExpectMsg<StreamConnected>(Wait);
        Assert.Equal("w1", connected.WorkerId);
        return new Link(plane, connected.Stream, atWorker, connection, assignments, log, certificate);
    }

    private sealed record Link(CoordinatorDataPlane Plane, IWorkerStream AtCoordinator, CoordinatorStream AtWorker, DataPlaneConnection WorkerConnection,
        Channel<ComputeShards> Assignments, ListLogger Log, ClusterCertificate Certificate) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await AtWorker.DisposeAsync();
            await Plane.DisposeAsync();
            Certificate.Dispose();
        }
    }
}
