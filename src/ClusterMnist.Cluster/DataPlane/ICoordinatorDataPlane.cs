using Akka.Actor;
using Akka.Event;
using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The coordinator's end of the workers' streams. The coordinator actor authorizes each worker it accepts; when that
/// worker connects with its ticket, the actor receives <see cref="StreamConnected"/>, then a
/// <see cref="StreamReceived"/> per answer (with its sums) or goodbye, and a <see cref="StreamClosed"/> when the
/// connection ends.
/// </summary>
internal interface ICoordinatorDataPlane
{
    /// <summary>Issues a one-time ticket for <paramref name="workerId"/>'s connection, whose events go to <paramref name="coordinator"/>.</summary>
    StreamOffer Authorize(string workerId, IActorRef coordinator);

    /// <summary>Forgets the ticket of <paramref name="workerId"/>, if it has not been used.</summary>
    void Revoke(string workerId);
}

/// <summary>The coordinator's side of one worker's stream.</summary>
internal interface IWorkerStream
{
    /// <summary>The worker it was authorized for.</summary>
    string WorkerId { get; }

    /// <summary>
    /// Queues the parameters of <paramref name="version"/> for sending (in order, after what is queued); the tensor is
    /// retained until its bytes are written.
    /// </summary>
    void SendParameters(long version, SharedTensor parameters);

    /// <summary>
    /// Queues <paramref name="assignment"/> (without a tensor: its parameters are in a frame sent before it or in shared
    /// memory) and from then on accepts an answer to it; answers to assignments never sent close the stream.
    /// </summary>
    void SendAssignment(ComputeShards assignment);

    /// <summary>Closes the connection (idempotent).</summary>
    void Close(string reason);
}

/// <summary>Local: a worker connected to the data plane with its ticket.</summary>
internal sealed record StreamConnected(string WorkerId, IWorkerStream Stream) : ICoordinatorMessage, INoSerializationVerificationNeeded;

/// <summary>
/// Local: a message arrived on a worker's stream: a <see cref="ShardsDone"/> (on the stream route with its sums in a
/// pooled buffer, released through <see cref="PooledTensor"/>) or a <see cref="Goodbye"/>. It is from that worker as
/// far as the stream is still its member's; the worker id inside is the worker's claim.
/// </summary>
internal sealed record StreamReceived(IWorkerStream Stream, ICoordinatorMessage Message) : ICoordinatorMessage, INoSerializationVerificationNeeded;

/// <summary>
/// Local: a worker's stream ended. When the coordinator stops first (the run is over, or the node shuts down), its
/// data plane closes every stream after it is gone: those notices are expected, so they are not logged as dead letters.
/// </summary>
internal sealed record StreamClosed(IWorkerStream Stream, string Reason)
    : ICoordinatorMessage, INoSerializationVerificationNeeded, IDeadLetterSuppression;
