using Google.Protobuf;

namespace ClusterMnist.Actors.Remoting;

/// <summary>Codecs made from delegates; the usual way to register a record type.</summary>
public static class MessageCodec
{
    /// <summary>
    /// A codec for records that map one-to-one onto a generated protobuf message. Fine for small messages; a
    /// tensor-carrying one should use <see cref="Create{T}"/> with <see cref="ProtobufFields.Detach"/> to avoid a copy.
    /// </summary>
    public static IMessageCodec ForProtobuf<T, TProto>(string typeName, Func<T, TProto> toProto, Func<TProto, T> fromProto)
        where T : class
        where TProto : IMessage<TProto>, new()
    {
        var parser = new MessageParser<TProto>(() => new TProto());
        return new DelegateCodec<T>(typeName, message => toProto(message), payload => fromProto(parser.ParseFrom(payload.Span)), leasesPayload: false);
    }

    /// <summary>
    /// A codec from an encoder to a protobuf message and a decoder from the payload bytes. With
    /// <paramref name="attach"/>, the encoder leaves out one large <c>bytes</c> field, which is sent from the record's
    /// memory instead (see <see cref="OutboundAttachment"/>).
    /// </summary>
    public static IMessageCodec Create<T>(string typeName, Func<T, IMessage> encode, Func<ReadOnlyMemory<byte>, T> decode, Func<T, OutboundAttachment>? attach = null)
        where T : class => new DelegateCodec<T>(typeName, encode, decode, leasesPayload: false, attach);

    /// <summary>
    /// Like <see cref="Create{T}"/>, for records whose receivers promise to call
    /// <see cref="TensorBytes.Release(ReadOnlyMemory{float})"/> on the view they keep once done with it, so its large
    /// receive buffer is reused instead of allocating a new one per message (see <see cref="IMessageCodec.LeasesPayload"/>).
    /// </summary>
    public static IMessageCodec CreateLeased<T>(string typeName, Func<T, IMessage> encode, Func<ReadOnlyMemory<byte>, T> decode, Func<T, OutboundAttachment>? attach = null)
        where T : class => new DelegateCodec<T>(typeName, encode, decode, leasesPayload: true, attach);

    private sealed class DelegateCodec<T>(
        string typeName, Func<T, IMessage> encode, Func<ReadOnlyMemory<byte>, T> decode, bool leasesPayload, Func<T, OutboundAttachment>? attach = null) : IMessageCodec
        where T : class
    {
        public Type MessageType => typeof(T);

        public bool LeasesPayload => leasesPayload;

        public string TypeName { get; } = string.IsNullOrWhiteSpace(typeName)
            ? throw new ArgumentException("A codec needs a non-empty type name.", nameof(typeName))
            : typeName;

        public IMessage Encode(object message) => encode((T)message);

        public OutboundAttachment AttachmentOf(object message) => attach is null ? default : attach((T)message);

        public object Decode(ReadOnlyMemory<byte> payload) => decode(payload);
    }
}
