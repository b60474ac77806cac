namespace ClusterMnist.Cluster.DataPlane;

/// <summary>A worker's side of its data plane stream to the coordinator.</summary>
internal interface ICoordinatorStream : IAsyncDisposable
{
    /// <summary>
    /// The parameters of <paramref name="version"/> (raw little-endian float32 bytes), once their frame has arrived.
    /// The buffer is the caller's until it gives it back with <see cref="PooledTensor.Release"/>.
    /// </summary>
    /// <exception cref="StaleAssignmentException">A newer version arrived first: the coordinator has moved on.</exception>
    ValueTask<ReadOnlyMemory<byte>> TakeParametersAsync(long version, CancellationToken cancellationToken);

    /// <summary>Sends the sums of <paramref name="assignmentId"/>; completes once they are written.</summary>
    ValueTask SendSumsAsync(long assignmentId, ReadOnlyMemory<byte> sums, CancellationToken cancellationToken);

    /// <summary>Completes when the connection has ended, with the reason.</summary>
    Task<string> Completion { get; }
}

/// <summary>An assignment whose parameter version is gone: the coordinator has moved on without it.</summary>
internal sealed class StaleAssignmentException(string message) : Exception(message);
