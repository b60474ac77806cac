namespace ClusterMnist.Actors;

/// <summary>
/// A handle to an actor, local or remote. Sending code is the same either way: the reference decides
/// whether the message goes into a mailbox or onto a WebSocket.
/// </summary>
public interface IActorRef
{
    /// <summary>The actor's path on its own node, e.g. "/user/coordinator".</summary>
    string Path { get; }

    /// <summary>
    /// Sends a message without waiting. Throws <see cref="MailboxFullException"/> when the target's bounded mailbox
    /// (or a remote connection's outbound queue) is full, so an overloaded receiver is never silently ignored;
    /// use <see cref="TellAsync"/> to wait for room instead.
    /// </summary>
    void Tell(object message, IActorRef? sender = null);

    /// <summary>Sends a message, waiting while the target's mailbox is full (back-pressure).</summary>
    ValueTask TellAsync(object message, IActorRef? sender = null, CancellationToken cancellationToken = default);
}

/// <summary>Runtime side of a reference: death watch registration and sends that never throw.</summary>
internal interface IInternalActorRef : IActorRef
{
    /// <summary>The local system this reference belongs to (its clock drives ask deadlines).</summary>
    ActorSystem System { get; }

    /// <summary>Registers <paramref name="watcher"/> to get <see cref="Terminated"/> when this actor stops.</summary>
    void AddWatcher(IActorRef watcher);

    void RemoveWatcher(IActorRef watcher);
}
