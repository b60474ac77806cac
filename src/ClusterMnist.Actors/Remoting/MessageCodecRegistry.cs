using System.Collections.Concurrent;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// The message types a node can send and receive, by CLR type and by wire name. Filled by higher layers before
/// connections open; a message without a codec fails at <see cref="IActorRef.Tell"/> on the sender, and an unknown
/// name on receive closes the connection as a protocol error.
/// </summary>
public sealed class MessageCodecRegistry
{
    private readonly ConcurrentDictionary<Type, IMessageCodec> _byType = new();
    private readonly ConcurrentDictionary<string, IMessageCodec> _byName = new(StringComparer.Ordinal);

    /// <summary>Adds a codec; both its type and its name must be new.</summary>
    public MessageCodecRegistry Register(IMessageCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (!_byName.TryAdd(codec.TypeName, codec))
        {
            throw new InvalidOperationException($"A codec named '{codec.TypeName}' is already registered.");
        }

        if (!_byType.TryAdd(codec.MessageType, codec))
        {
            _byName.TryRemove(codec.TypeName, out _);
            throw new InvalidOperationException($"A codec for {codec.MessageType.FullName} is already registered.");
        }

        return this;
    }

    /// <summary>The codec for <paramref name="messageType"/>; throws naming the type when none is registered.</summary>
    public IMessageCodec ForType(Type messageType) =>
        _byType.TryGetValue(messageType, out var codec)
            ? codec
            : throw new InvalidOperationException($"No message codec is registered for {messageType.FullName}; register one in the MessageCodecRegistry of the remoting node.");

    /// <summary>The codec registered under <paramref name="typeName"/>, or <c>null</c>.</summary>
    public IMessageCodec? ForName(string typeName) => _byName.TryGetValue(typeName, out var codec) ? codec : null;
}
