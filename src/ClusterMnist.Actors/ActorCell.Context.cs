using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors;

/// <summary>The cell is its actor's context; these members are only called from the actor's own loop.</summary>
internal sealed partial class ActorCell : IActorContext
{
    IActorRef IActorContext.Self => this;

    IActorRef? IActorContext.Sender => _currentSender;

    IActorRef? IActorContext.Parent => _parent;

    ActorSystem IActorContext.System => _system;

    ILogger IActorContext.Logger => _logger;

    IReadOnlyCollection<IActorRef> IActorContext.Children => [.. _children.Values];

    IActorRef IActorContext.Spawn(Props props, string name)
    {
        var strategy = _actor?.SupervisorStrategy ?? SupervisorStrategy.Default;
        var child = new ActorCell(_system, props, this, Path, name, strategy);
        if (!_children.TryAdd(name, child))
        {
            throw new InvalidOperationException($"{Path} already has a child named '{name}'.");
        }

        child.Start();
        return child;
    }

    Task IActorContext.Stop(IActorRef actor) => actor switch
    {
        ActorCell cell => cell.RequestStop(),
        _ => throw new ArgumentException($"{actor.Path} is not a local actor and cannot be stopped from {Path}.", nameof(actor)),
    };

    void IActorContext.Watch(IActorRef actor)
    {
        if (actor is not IInternalActorRef watchable)
        {
            throw new ArgumentException($"{actor} does not support death watch.", nameof(actor));
        }

        if (_watching.Add(actor))
        {
            watchable.AddWatcher(this);
        }
    }

    void IActorContext.Unwatch(IActorRef actor)
    {
        if (_watching.Remove(actor))
        {
            (actor as IInternalActorRef)?.RemoveWatcher(this);
        }
    }
}
