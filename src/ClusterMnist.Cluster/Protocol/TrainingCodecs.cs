using ClusterMnist.Actors.Remoting;
using Google.Protobuf;
using W = ClusterMnist.Cluster.Wire;

namespace ClusterMnist.Cluster.Protocol;

/// <summary>
/// Registers the training protocol with a remoting node's codec registry. Small records go through their generated
/// protobuf messages; the two tensor-carrying ones (<see cref="ComputeShards"/>, <see cref="ShardsDone"/>) keep their
/// raw bytes as a view of the received frame (the tensor field is written last, so nothing is copied), and send them
/// as an <see cref="OutboundAttachment"/>, from the record's memory without a copy into the frame. Their codecs
/// lease the receive buffer: the worker releases a ComputeShards' parameters once it has copied them, the coordinator
/// a ShardsDone's sums once the update that reads them has run (or when it drops the answer), so the ~1 MB buffer is
/// reused instead of allocated per message. A record never released only leaves its buffer to the GC.
/// </summary>
public static class TrainingCodecs
{
    /// <summary>Wire type names are "cluster." + the record's name.</summary>
    public const string Prefix = "cluster.";

    /// <summary>Adds a codec for every wire record of the protocol to <paramref name="registry"/>.</summary>
    public static MessageCodecRegistry Register(MessageCodecRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Small<JoinRequest, W.JoinRequest>(registry);
        Small<JoinAccepted, W.JoinAccepted>(registry);
        Small<JoinRefused, W.JoinRefused>(registry);
        Small<Heartbeat, W.Heartbeat>(registry);
        Small<Goodbye, W.Goodbye>(registry);
        Small<TrainingFinished, W.TrainingFinished>(registry);
        Small<SharedMemoryReady, W.SharedMemoryReady>(registry);
        WithTensor<ComputeShards, W.ComputeShards>(registry, W.ComputeShards.ParametersFieldNumber,
            m => TrainingWire.ComputeShardsToWire(m, withParameters: false), m => m.Parameters, (m, tensor) => m with { Parameters = tensor });
        WithTensor<ShardsDone, W.ShardsDone>(registry, W.ShardsDone.SumsFieldNumber,
            m => TrainingWire.ShardsDoneToWire(m, withSums: false), m => m.Sums, (m, tensor) => m with { Sums = tensor });
        return registry;
    }

    // The tensor goes as an attachment, straight from the record's memory to the socket; a pooled (shared) tensor's
    // reference that the message holds is released once the bytes are sent, since the remote side has its own copy.
    // On receive it stays a view of the (leased) receive buffer.
    private static void WithTensor<T, TProto>(MessageCodecRegistry registry, int tensorField, Func<T, IMessage> withoutTensor,
        Func<T, ReadOnlyMemory<byte>> tensorOf, Func<T, ReadOnlyMemory<byte>, T> withTensor)
        where T : class
        where TProto : IMessage<TProto>, new()
    {
        var parser = new MessageParser<TProto>(() => new TProto());
        registry.Register(MessageCodec.CreateLeased<T>(Prefix + typeof(T).Name, withoutTensor,
            payload =>
            {
                var tensor = ProtobufFields.Detach(payload, tensorField, out var rest);
                return withTensor((T)TrainingWire.FromWire(parser.ParseFrom(rest.Span)), tensor);
            },
            m => new OutboundAttachment(tensorField, tensorOf(m), SharedTensor.Of(tensorOf(m)) is { } shared ? shared.Release : null)));
    }

    private static void Small<T, TProto>(MessageCodecRegistry registry)
        where T : class
        where TProto : IMessage<TProto>, new()
        => registry.Register(MessageCodec.ForProtobuf<T, TProto>(Prefix + typeof(T).Name,
            record => (TProto)TrainingWire.ToWire(record), proto => (T)TrainingWire.FromWire(proto)));
}
