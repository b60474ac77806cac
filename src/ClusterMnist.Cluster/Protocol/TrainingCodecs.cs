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
        // The tensors go as attachments, straight from the record's memory to the socket. A pooled (shared) tensor's
        // reference that the message holds is released once the bytes are sent: the remote side has its own copy.
        registry.Register(MessageCodec.CreateLeased<ComputeShards>(Prefix + nameof(ComputeShards),
            m => TrainingWire.ComputeShardsToWire(m, withParameters: false),
            payload =>
            {
                var parameters = ProtobufFields.Detach(payload, W.ComputeShards.ParametersFieldNumber, out var rest);
                var record = (ComputeShards)TrainingWire.FromWire(W.ComputeShards.Parser.ParseFrom(rest.Span));
                return record with { Parameters = parameters };
            },
            m => new OutboundAttachment(W.ComputeShards.ParametersFieldNumber, m.Parameters, ReleaseWhenSent(m.Parameters))));
        registry.Register(MessageCodec.CreateLeased<ShardsDone>(Prefix + nameof(ShardsDone),
            m => TrainingWire.ShardsDoneToWire(m, withSums: false),
            payload =>
            {
                var sums = ProtobufFields.Detach(payload, W.ShardsDone.SumsFieldNumber, out var rest);
                var record = (ShardsDone)TrainingWire.FromWire(W.ShardsDone.Parser.ParseFrom(rest.Span));
                return record with { Sums = sums };
            },
            m => new OutboundAttachment(W.ShardsDone.SumsFieldNumber, m.Sums, ReleaseWhenSent(m.Sums))));
        return registry;
    }

    private static Action? ReleaseWhenSent(ReadOnlyMemory<byte> tensor) =>
        SharedTensor.Of(tensor) is { } shared ? shared.Release : null;

    private static void Small<T, TProto>(MessageCodecRegistry registry)
        where T : class
        where TProto : IMessage<TProto>, new()
        => registry.Register(MessageCodec.ForProtobuf<T, TProto>(Prefix + typeof(T).Name,
            record => (TProto)TrainingWire.ToWire(record), proto => (T)TrainingWire.FromWire(proto)));
}
