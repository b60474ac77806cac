using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// A worker's side of its data plane stream to the coordinator. Every per-step message travels on it: the
/// coordinator's assignments and parameters come in, the worker's answers and sums go out, so a step never waits on
/// the control plane's remoting. What the stream carries is still decided by the actors: the coordinator actor makes
/// each assignment, the worker actor takes it up.
/// </summary>
internal interface ICoordinatorStream : IAsyncDisposable
{
    /// <summary>
    /// Starts reading: each assignment frame goes to <paramref name="onAssignment"/> (on the receive loop, one at a
    /// time; it must not block), parameter frames wait for <see cref="TakeParametersAsync"/>. An assignment frame
    /// longer than <paramref name="maxAssignmentBytes"/>, or one that does not decode, closes the stream.
    /// </summary>
    void Start(int maxAssignmentBytes, Action<ComputeShards> onAssignment);

    /// <summary>
    /// The parameters of <paramref name="version"/> (raw little-endian float32 bytes), once their frame has arrived.
    /// The buffer is the caller's until it gives it back with <see cref="PooledTensor.Release"/>.
    /// </summary>
    /// <exception cref="StaleAssignmentException">A newer version arrived first: the coordinator has moved on.</exception>
    ValueTask<ReadOnlyMemory<byte>> TakeParametersAsync(long version, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="done"/>: its answer frame and, on the <see cref="TensorRoute.Stream"/> route, its sums
    /// right after; completes once both are written. The caller still owns the sums' buffer.
    /// </summary>
    ValueTask SendAnswerAsync(ShardsDone done, CancellationToken cancellationToken);

    /// <summary>Says goodbye after the answers already sent; completes once it is written.</summary>
    ValueTask SendGoodbyeAsync(string reason, CancellationToken cancellationToken);

    /// <summary>Completes when the connection has ended, with the reason.</summary>
    Task<string> Completion { get; }
}

/// <summary>An assignment whose parameter version is gone: the coordinator has moved on without it.</summary>
internal sealed class StaleAssignmentException(string message) : Exception(message);
