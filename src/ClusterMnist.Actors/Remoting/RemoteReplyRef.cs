using ClusterMnist.Actors.Wire;

namespace ClusterMnist.Actors.Remoting;

/// <summary>The sender of a remote ask: telling it sends a REPLY with the ask's correlation id back over the same connection.</summary>
internal sealed class RemoteReplyRef(RemoteConnection connection, ulong correlation) : IActorRef
{
    public string Path { get; } = $"/temp/reply-{correlation}";

    public void Tell(object message, IActorRef? sender = null) => connection.Enqueue(Frame(message));

    public ValueTask TellAsync(object message, IActorRef? sender = null, CancellationToken cancellationToken = default) =>
        connection.EnqueueAsync(Frame(message), cancellationToken);

    public override string ToString() => $"{connection.RemoteNodeName}{Path}";

    private OutboundFrame Frame(object message)
    {
        var codec = connection.Node.Codecs.ForType(message.GetType());
        return connection.Write(EnvelopeKind.Reply, type: codec.TypeName, payload: codec.Encode(message), correlation: correlation, attachment: codec.AttachmentOf(message));
    }
}
