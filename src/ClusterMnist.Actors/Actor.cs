namespace ClusterMnist.Actors;

/// <summary>
/// Base class of every actor. The runtime calls <see cref="ReceiveAsync"/> for one message at a time from the
/// actor's own mailbox loop, so an actor's fields need no locks; they must not be shared with anything else.
/// </summary>
public abstract class Actor
{
    private IActorContext? _context;

    /// <summary>The actor's view of the runtime: self, sender, children, watch, scheduler.</summary>
    protected IActorContext Context =>
        _context ?? throw new InvalidOperationException("The actor context is set by the runtime before the first message.");

    /// <summary>This actor's own reference.</summary>
    protected IActorRef Self => Context.Self;

    /// <summary>The sender of the message being processed, or <c>null</c>.</summary>
    protected IActorRef? Sender => Context.Sender;

    /// <summary>How this actor supervises its children. Default: restart up to 10 times within a minute, then stop.</summary>
    public virtual SupervisorStrategy SupervisorStrategy => SupervisorStrategy.Default;

    /// <summary>Handles one message; a pattern-matching <c>switch</c> over the actor's protocol records.</summary>
    protected internal abstract Task ReceiveAsync(object message);

    /// <summary>Runs before the first message (and after each restart).</summary>
    protected internal virtual Task PreStartAsync() => Task.CompletedTask;

    /// <summary>Runs when the actor stops or before it is replaced by a restart.</summary>
    protected internal virtual Task PostStopAsync() => Task.CompletedTask;

    internal void Attach(IActorContext context) => _context = context;
}
