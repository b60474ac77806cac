using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors;

/// <summary>What an actor may do with the runtime while it processes a message.</summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>Sender of the current message, or <c>null</c> when it was sent without one.</summary>
    IActorRef? Sender { get; }

    IActorRef? Parent { get; }

    ActorSystem System { get; }

    /// <summary>Logger named after this actor's path.</summary>
    ILogger Logger { get; }

    /// <summary>Live children by name.</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>Starts a child at <c>Self.Path + "/" + name</c>, supervised by this actor's strategy.</summary>
    IActorRef Spawn(Props props, string name);

    /// <summary>
    /// Asks a child (or this actor) to stop after its current message; the task completes when it has. An actor must
    /// not await its own stop from inside <see cref="Actor.ReceiveAsync"/>: that message would never finish.
    /// </summary>
    Task Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> to this actor when <paramref name="actor"/> stops or its node is lost.</summary>
    void Watch(IActorRef actor);

    void Unwatch(IActorRef actor);
}
