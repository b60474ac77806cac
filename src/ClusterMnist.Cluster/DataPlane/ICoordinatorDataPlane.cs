using Akka.Actor;
using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The coordinator's end of the workers' streams. The coordinator actor authorizes each worker it accepts; when that
/// worker connects with its ticket, the actor receives <see cref="StreamConnected"/>, then a
/// <see cref="StreamSumsArrived"/> per sums frame and a <see cref="StreamClosed"/> when the connection ends.
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

    /// <summary>Accepts sums frames of assignments up to <paramref name="assignmentId"/> (frames of ids never issued close the stream).</summary>
    void ExpectSums(long assignmentId);

    /// <summary>Closes the connection (idempotent).</summary>
    void Close(string reason);
}

/// <summary>Local: a worker connected to the data plane with its ticket.</summary>
internal sealed record StreamConnected(string WorkerId, IWorkerStream Stream) : ICoordinatorMessage, INoSerializationVerificationNeeded;

/// <summary>Local: the sums of an assignment arrived on a worker's stream, in a pooled buffer (released through <see cref="PooledTensor"/>).</summary>
internal sealed record StreamSumsArrived(IWorkerStream Stream, long AssignmentId, ReadOnlyMemory<byte> Sums) : ICoordinatorMessage, INoSerializationVerificationNeeded;

/// <summary>Local: a worker's stream ended.</summary>
internal sealed record StreamClosed(IWorkerStream Stream, string Reason) : ICoordinatorMessage, INoSerializationVerificationNeeded;
