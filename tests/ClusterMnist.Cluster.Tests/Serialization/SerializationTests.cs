using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Hosting;
using Akka.Serialization;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Serialization;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Cluster.Tests.Serialization;

/// <summary>
/// The two serializers as the cluster's actor system binds them: Hyperion for the control records (and nothing
/// else), the raw little-endian serializer for the two tensor records.
/// </summary>
public sealed class SerializationTests : IAsyncLifetime
{
    private AkkaNode? _node;

    private Akka.Serialization.Serialization Serialization => _node!.System.Serialization;

    public async Task InitializeAsync() => _node = await AkkaNode.StartAsync(node: null, NullLoggerFactory.Instance);

    public async Task DisposeAsync() => await _node!.DisposeAsync();

    public static TheoryData<object> ControlMessages() =>
    [
        new JoinRequest("worker-1", 3, SharedMemory: true),
        new WorkerReady("worker-1", "ab12", TensorRoute.Stream, "TLS stream"),
        new Goodbye("worker-1", "signal"),
        new JoinAccepted("coordinator", "fashion", "ab12", "784-256-10/relu/softmax-ce", 128, 32, 7,
            new DataPlaneOffer(new SharedMemoryOffer("/dev/shm/p", "00ff", "/dev/shm/s", "ff00"), new StreamOffer("coordinator", 4054, [1, 2, 3], true))),
        new JoinAccepted("coordinator", "", "ab12", "784-10", 64, 8, 1),
        new JoinRefused("other data"),
        new WorkerAdmitted(3),
        new TrainingFinished("cafe"),
    ];

    [Theory]
    [MemberData(nameof(ControlMessages))]
    public void ControlMessages_RoundTripThroughHyperion(object message)
    {
        var serializer = Serialization.FindSerializerFor(message);
        Assert.IsType<HyperionSerializer>(serializer);
        var copy = Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, message.GetType());
        Assert.Equivalent(message, copy, strict: true);
    }

    [Fact]
    public void TensorMessages_RoundTripAsRawBytes_AndTheTensorIsAViewOfTheReceivedBytes()
    {
        var parameters = Enumerable.Range(0, 40).Select(i => (byte)i).ToArray();
        var compute = new ComputeShards(5, 17, 4, parameters, 64, new[] { 2, 3 }, Enumerable.Range(100, 16).ToArray(), new[] { -3, -5, 0 },
            TensorRoute.Inline, -1);
        var done = new ShardsDone("wörker", 5, 17, new[] { 2, 3 }, parameters, new[] { 0.5f, 2f, 1e-9f }, new[] { true, false, false },
            new[] { 1.25, 3.5 }, new[] { 7, 8 }, 0.003, TensorRoute.SharedMemory, 1);

        foreach (object message in new object[] { compute, done })
        {
            var serializer = Serialization.FindSerializerFor(message);
            Assert.IsType<TensorMessageSerializer>(serializer);
            byte[] bytes = serializer.ToBinary(message);
            Assert.Equal(TensorMessageSerializer.SizeOf(message), bytes.Length);
            var copy = ((SerializerWithStringManifest)serializer).FromBinary(bytes, ((SerializerWithStringManifest)serializer).Manifest(message));
            Assert.Equal(Describe(message), Describe(copy));
        }

        var tensors = (SerializerWithStringManifest)Serialization.FindSerializerFor(compute);
        var received = (ComputeShards)tensors.FromBinary(tensors.ToBinary(compute), tensors.Manifest(compute));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(received.Parameters, out var segment) && segment.Array!.Length > parameters.Length,
            "the parameters should be a view of the received message, not a copy");
    }

    [Fact]
    public void TensorMessages_ThatAreTruncatedOrClaimMoreThanTheyHold_AreRefused()
    {
        var serializer = new TensorMessageSerializer((ExtendedActorSystem)_node!.System);
        var done = new ShardsDone("w", 1, 1, new[] { 0 }, new byte[16], new[] { 1f }, new[] { false }, new[] { 1.0 }, new[] { 1 }, 0.1);
        byte[] bytes = serializer.ToBinary(done);

        for (int cut = 0; cut < bytes.Length; cut += 7)
            Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..cut], "SD"));
        var claimsTooMuch = (byte[])bytes.Clone();
        claimsTooMuch[^8] = 0xFF; // the last block's element count, far beyond the bytes left
        claimsTooMuch[^7] = 0xFF;
        Assert.Throws<SerializationException>(() => serializer.FromBinary(claimsTooMuch, "SD"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary([.. bytes, 0], "SD"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes, "XX"));
    }

    [Fact]
    public void Hyperion_RefusesToSendOrReadAnyTypeOutsideTheProtocol()
    {
        var hyperion = Serialization.FindSerializerFor(new Goodbye("w", "r"));
        var intruder = new NotAProtocolMessage("payload");
        // Bound to IControlMessage, but not one of the protocol's types: neither written nor read.
        Assert.ThrowsAny<Exception>(() => hyperion.ToBinary(intruder));
        var permissive = new HyperionSerializer((ExtendedActorSystem)_node!.System, HyperionSerializerSettings.Default);
        byte[] forged = permissive.ToBinary(intruder);
        Assert.ThrowsAny<SerializationException>(() => hyperion.FromBinary(forged, typeof(object)));
        // And what nothing is bound to has no serializer that would read it.
        Assert.ThrowsAny<Exception>(() => Serialization.FindSerializerFor(new System.IO.FileInfo("/tmp/x")).ToBinary(new System.IO.FileInfo("/tmp/x")));
    }

    private static string Describe(object message) => message switch
    {
        ComputeShards m => $"{m.Step} {m.AssignmentId} {m.ParameterVersion} {m.BatchRows} {m.ParametersRoute} {m.SharedSumsSlot} "
            + $"{string.Join(',', m.Shards.ToArray())} {string.Join(',', m.SampleIndices.ToArray())} {string.Join(',', m.Exponents.ToArray())} "
            + Convert.ToHexString(m.Parameters.Span),
        ShardsDone m => $"{m.WorkerId} {m.Step} {m.AssignmentId} {m.ComputeSeconds} {m.SumsRoute} {m.SharedSumsSlot} {string.Join(',', m.Shards.ToArray())} "
            + $"{Convert.ToHexString(m.Sums.Span)} {string.Join(',', m.MaxAbs.ToArray())} {string.Join(',', m.Overflow.ToArray())} "
            + $"{string.Join(',', m.ShardLoss.ToArray())} {string.Join(',', m.ShardCorrect.ToArray())}",
        _ => message.ToString()!,
    };

    /// <summary>A type that claims the marker interface but is not one of the protocol's records.</summary>
    public sealed record NotAProtocolMessage(string Payload) : IControlMessage;
}
