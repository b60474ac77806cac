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
        return new DelegateCodec<T>(typeName, message => toProto(message), payload => fromProto(parser.ParseFrom(payload.Span)));
    }

    /// <summary>A codec from an encoder to a protobuf message and a decoder from the payload bytes.</summary>
    public static IMessageCodec Create<T>(string typeName, Func<T, IMessage> encode, Func<ReadOnlyMemory<byte>, T> decode)
        where T : class => new DelegateCodec<T>(typeName, encode, decode);

    private sealed class DelegateCodec<T>(string typeName, Func<T, IMessage> encode, Func<ReadOnlyMemory<byte>, T> decode) : IMessageCodec
        where T : class
    {
        public Type MessageType => typeof(T);

        public string TypeName { get; } = string.IsNullOrWhiteSpace(typeName)
            ? throw new ArgumentException("A codec needs a non-empty type name.", nameof(typeName))
            : typeName;

        public IMessage Encode(object message) => encode((T)message);

        public object Decode(ReadOnlyMemory<byte> payload) => decode(payload);
    }
}
