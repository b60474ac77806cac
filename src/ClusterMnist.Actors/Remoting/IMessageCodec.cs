using Google.Protobuf;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// Maps one message record to and from its protobuf payload at the edge of the node. Higher layers register one per
/// record type that crosses the wire; the runtime never sees their protobuf types.
/// </summary>
public interface IMessageCodec
{
    /// <summary>The record type this codec encodes (exact type, not base types).</summary>
    Type MessageType { get; }

    /// <summary>Stable wire name, e.g. "cluster.GradientShard"; both nodes must agree on it.</summary>
    string TypeName { get; }

    /// <summary>
    /// The payload as a protobuf message. It is serialized straight into the outgoing frame, so a <c>bytes</c> field
    /// made with <see cref="TensorBytes.Wrap"/> is copied exactly once, from the caller's floats into the frame.
    /// </summary>
    IMessage Encode(object message);

    /// <summary>
    /// The message's large <c>bytes</c> field, sent from its own memory after what <see cref="Encode"/> writes instead
    /// of being copied into the frame (see <see cref="OutboundAttachment"/>). Default: none, and Encode writes every field.
    /// </summary>
    OutboundAttachment AttachmentOf(object message) => default;

    /// <summary>
    /// Whether records of this type own the buffer they were received in and give it back with
    /// <see cref="TensorBytes.Release(ReadOnlyMemory{float})"/> once nothing reads their views any more, so a large
    /// buffer can be reused for a later message. False by default: the buffer is then never reused.
    /// </summary>
    bool LeasesPayload => false;

    /// <summary>
    /// Rebuilds the record from payload bytes. <paramref name="payload"/> is a slice of the received buffer, which is
    /// not reused (unless <see cref="LeasesPayload"/> and the record is released), so the record may keep views into
    /// it (see <see cref="TensorBytes.AsFloats"/>).
    /// </summary>
    object Decode(ReadOnlyMemory<byte> payload);
}
