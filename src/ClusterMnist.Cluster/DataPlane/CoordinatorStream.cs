using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Serialization;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// A worker's data plane connection to the coordinator: assignment frames go to the worker actor as they arrive,
/// parameter frames wait in a one-version inbox until the computation asks for that version; answers, sums and the
/// goodbye go out from the caller's memory.
/// </summary>
internal sealed class CoordinatorStream : ICoordinatorStream
{
    private readonly DataPlaneConnection _connection;
    private readonly Lock _lock = new();
    private long _version = -1;
    private ReadOnlyMemory<byte> _parameters;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _maxAssignmentBytes;
    private Action<ComputeShards>? _onAssignment;

    public CoordinatorStream(DataPlaneConnection connection)
    {
        _connection = connection;
        Completion = connection.Completion;
        _ = Completion.ContinueWith(_ => Wake(), TaskScheduler.Default);
    }

    public Task<string> Completion { get; }

    public void Start(int maxAssignmentBytes, Action<ComputeShards> onAssignment)
    {
        ArgumentNullException.ThrowIfNull(onAssignment);
        _maxAssignmentBytes = maxAssignmentBytes;
        _onAssignment = onAssignment;
        _connection.StartReceiving(Gate, OnFrame);
    }

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

    public async ValueTask SendAnswerAsync(ShardsDone done, CancellationToken cancellationToken)
    {
        // The worker sends one answer at a time, so its sums frame follows it with nothing in between.
        byte[] answer = TensorMessageSerializer.Encode(done with { Sums = ReadOnlyMemory<byte>.Empty });
        await _connection.SendAsync(DataFrameKind.Answer, done.AssignmentId, answer, cancellationToken).ConfigureAwait(false);
        if (done.SumsRoute == TensorRoute.Stream)
            await _connection.SendAsync(DataFrameKind.GradientSum, done.AssignmentId, done.Sums, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask SendGoodbyeAsync(string reason, CancellationToken cancellationToken)
        => _connection.SendAsync(DataFrameKind.Goodbye, 0, GoodbyeFrame.Encode(reason), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        lock (_lock)
        {
            PooledTensor.Release(_parameters);
            _parameters = ReadOnlyMemory<byte>.Empty;
        }
    }

    // A coordinator sends parameters (whose versions only grow: a newer one replaces an unread older one, whose
    // assignment the coordinator has given up on) and assignments of a bounded size.
    private FrameVerdict Gate(DataFrameHeader header) => header.Kind switch
    {
        DataFrameKind.Parameters when header.Id >= 0 => FrameVerdict.Accept,
        DataFrameKind.Assignment when header.Id <= 0 => FrameVerdict.Reject($"assignment ids start at 1, not {header.Id}"),
        DataFrameKind.Assignment when header.PayloadLength > _maxAssignmentBytes
            => FrameVerdict.Reject($"an assignment takes at most {_maxAssignmentBytes} bytes, not {header.PayloadLength}"),
        DataFrameKind.Assignment => FrameVerdict.Accept,
        _ => FrameVerdict.Reject($"a coordinator sends only parameters and assignments, not {header.Kind} {header.Id}"),
    };

    private void OnFrame(DataFrame frame)
    {
        if (frame.Header.Kind == DataFrameKind.Parameters)
        {
            Put(frame.Header.Id, StreamFrameTensor.Wrap(frame.Payload));
            return;
        }
        ComputeShards assignment;
        using (frame)
            assignment = TensorMessageSerializer.DecodeComputeShards(frame.Payload.Memory);
        // A decoding failure or a frame that disagrees with its header is thrown to the receive loop, which closes the stream.
        if (assignment.AssignmentId != frame.Header.Id || !assignment.Parameters.IsEmpty || assignment.ParametersRoute == TensorRoute.Inline)
            throw new InvalidDataException($"assignment frame {frame.Header.Id} holds assignment {assignment.AssignmentId} on the {assignment.ParametersRoute} route");
        _onAssignment!(assignment);
    }

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
