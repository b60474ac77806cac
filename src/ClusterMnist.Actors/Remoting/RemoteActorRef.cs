using ClusterMnist.Actors.Wire;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// An actor on the other end of a connection. Telling it serializes the message at once (so a missing codec or an
/// oversized message fails in the sender) and queues the frame on the connection.
/// </summary>
internal sealed class RemoteActorRef(RemoteConnection connection, string path) : IInternalActorRef
{
    public string Path { get; } = path;

    public RemoteConnection Connection { get; } = connection;

    public ActorSystem System => Connection.Node.System;

    public void Tell(object message, IActorRef? sender = null) => Connection.Enqueue(Frame(message, sender));

    public ValueTask TellAsync(object message, IActorRef? sender = null, CancellationToken cancellationToken = default) =>
        Connection.EnqueueAsync(Frame(message, sender), cancellationToken);

    public void AddWatcher(IActorRef watcher) => Connection.WatchRemote(Path, watcher);

    public void RemoveWatcher(IActorRef watcher) => Connection.UnwatchRemote(Path, watcher);

    public override bool Equals(object? obj) => obj is RemoteActorRef other && ReferenceEquals(other.Connection, Connection) && other.Path == Path;

    public override int GetHashCode() => HashCode.Combine(Connection, Path);

    // Node name and where it is (the dialled URI, or the peer address of an accepted socket), then the path.
    public override string ToString() => $"{Connection.RemoteNodeName}@{Connection.RemoteEndpoint}{Path}";

    private OutboundFrame Frame(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message is Terminated terminated)
        {
            // A local actor this remote watcher was watching has stopped.
            Connection.ForgetLocalWatch(terminated.Actor.Path, Path);
            return Connection.Write(EnvelopeKind.Terminated, target: Path, sender: terminated.Actor.Path, text: terminated.Reason);
        }

        var codec = Connection.Node.Codecs.ForType(message.GetType());
        var payload = codec.Encode(message);
        var attachment = codec.AttachmentOf(message);
        return sender switch
        {
            PromiseActorRef promise => Connection.Write(EnvelopeKind.User, Path, type: codec.TypeName, payload: payload, correlation: Connection.RegisterAsk(promise), attachment: attachment),
            _ => Connection.Write(EnvelopeKind.User, Path, sender: Connection.SenderPathOf(sender), type: codec.TypeName, payload: payload, attachment: attachment),
        };
    }
}
