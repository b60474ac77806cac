namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// A worker's data plane connection to the coordinator: parameter frames arrive on the receive loop and wait in a
/// one-version inbox until the computation asks for that version; sums go out from the caller's memory.
/// </summary>
internal sealed class CoordinatorStream : ICoordinatorStream
{
    private readonly DataPlaneConnection _connection;
    private readonly Lock _lock = new();
    private long _version = -1;
    private ReadOnlyMemory<byte> _parameters;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CoordinatorStream(DataPlaneConnection connection)
    {
        _connection = connection;
        Completion = connection.Completion;
        _ = Completion.ContinueWith(_ => Wake(), TaskScheduler.Default);
        connection.StartReceiving(Gate, frame => Put(frame.Header.Id, StreamFrameTensor.Wrap(frame.Payload)));
    }

    public Task<string> Completion { get; }

    public async ValueTask<ReadOnlyMemory<byte>> TakeParametersAsync(long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_version == version && !_parameters.IsEmpty)
                {
                    var taken = _parameters;
                    _parameters = ReadOnlyMemory<byte>.Empty;
                    return taken;
                }
                if (_version > version)
                    throw new StaleAssignmentException($"parameter version {version} was overtaken by version {_version} on the stream");
                if (Completion.IsCompleted)
                    throw new DataPlaneException($"the data plane stream closed before parameter version {version} arrived: {Completion.Result}");
                arrived = _arrived.Task;
            }
            await arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask SendSumsAsync(long assignmentId, ReadOnlyMemory<byte> sums, CancellationToken cancellationToken)
        => _connection.SendAsync(DataFrameKind.GradientSum, assignmentId, sums, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        lock (_lock)
        {
            PooledTensor.Release(_parameters);
            _parameters = ReadOnlyMemory<byte>.Empty;
        }
    }

    // Versions only grow: a frame older than the newest seen is the coordinator's bug, and a newer one replaces an
    // unread older one (whose assignment the coordinator has given up on).
    private static FrameVerdict Gate(DataFrameHeader header) =>
        header.Kind == DataFrameKind.Parameters && header.Id >= 0
            ? FrameVerdict.Accept
            : FrameVerdict.Reject($"a coordinator sends only parameters, not {header.Kind} {header.Id}");

    private void Put(long version, ReadOnlyMemory<byte> parameters)
    {
        lock (_lock)
        {
            if (version <= _version)
            {
                PooledTensor.Release(parameters);
                return;
            }
            PooledTensor.Release(_parameters);
            _version = version;
            _parameters = parameters;
        }
        Wake();
    }

    private void Wake()
    {
        TaskCompletionSource woken;
        lock (_lock)
        {
            woken = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        woken.TrySetResult();
    }
}
