using System.Diagnostics;
using System.Runtime.InteropServices;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Serialization;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Actors;

/// <summary>
/// A worker's engine: computes the shards of an assignment on its own threads (the same ShardWorkerPool the local
/// trainer uses, so each shard is computed and quantized exactly as there) and combines the threads' partials into
/// the one partial it sends. Keeps the parameters of the latest version it was sent, wherever they came from: a
/// coordinator in the same process passes a <see cref="SharedTensor"/>, computed from in place (held until the next
/// version arrives); a worker on the coordinator's host that mapped its shared memory files
/// (<see cref="AttachSharedMemory"/>) copies them out of the shared parameter file and combines its sums straight into
/// the slot the assignment names; any other worker takes them from its data plane stream (<see cref="AttachStream"/>)
/// and copies the received frame out. Its caller sends the answer.
/// </summary>
internal sealed class ShardComputer : IDisposable
{
    private readonly ImageSet _train;
    private readonly int _microShardSize;
    private readonly ShardWorkerPool _pool;
    private readonly float[] _ownParameters;
    private readonly int[] _batchOrder;
    private readonly GradientPartial[] _threadPartials;
    private readonly SharedTensorPool _sumsPool;
    private readonly int _segments;
    private float[] _parameters;
    private SharedTensor? _sharedParameters;
    private long _parameterVersion = -1;
    private int _disposed;
    // The mapped files; only touched under the lock, so that Dispose never unmaps them under a reader or writer.
    private readonly Lock _files = new();
    private SharedParameters? _fileParameters;
    private SharedSums? _fileSums;
    private ICoordinatorStream? _stream;

    public ShardComputer(JoinAccepted setup, ImageSet train, int threads)
    {
        _train = train;
        _microShardSize = setup.MicroShardSize;
        var network = new Network(ModelSpec.Parse(setup.Model));
        if (train.PixelsPerImage != network.Spec.InputSize)
            throw new ArgumentException($"Model input size {network.Spec.InputSize} does not match the data's {train.PixelsPerImage} pixels per image.");
        var layout = TrainingRun.LayoutFor(network, setup.BatchSize, setup.MicroShardSize);
        _pool = new ShardWorkerPool(network, train, layout, threads, setup.MicroShardSize, setup.Seed);
        _ownParameters = new float[network.ParameterCount];
        _parameters = _ownParameters;
        _batchOrder = new int[setup.BatchSize];
        _threadPartials = Enumerable.Range(0, _pool.Count).Select(_pool.PartialOf).ToArray();
        _sumsPool = new SharedTensorPool(network.ParameterCount);
        _segments = layout.SegmentCount;
        MaxAssignmentBytes = TensorMessageSerializer.MaxControlBytes(setup.BatchSize, _segments);
    }

    /// <summary>Maps the files a coordinator offered; false, with the reason, when they are not usable from here.</summary>
    public bool AttachSharedMemory(SharedMemoryOffer offer, out string detail)
    {
        int count = _ownParameters.Length;
        SharedParameters? parameters = null;
        SharedSums? sums = null;
        string? problem;
        try
        {
            parameters = SharedParameters.Open(offer.ParametersPath, offer.ParametersNonce, count, out problem);
            sums = parameters is null ? null : SharedSums.Open(offer.SumsPath, offer.SumsNonce, count, out problem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Declining only costs speed: the tensors then travel in the messages.
            problem = $"the files could not be mapped: {e.Message}";
        }
        if (parameters is null || sums is null)
        {
            parameters?.Dispose();
            detail = problem ?? "the files could not be mapped";
            return false;
        }
        lock (_files)
        {
            if (_disposed != 0)
            {
                parameters.Dispose();
                sums.Dispose();
                detail = "the worker is stopping";
                return false;
            }
            _fileParameters?.Dispose();
            _fileSums?.Dispose();
            _fileParameters = parameters;
            _fileSums = sums;
        }
        detail = $"mapped {offer.ParametersPath} and {offer.SumsPath}";
        return true;
    }

    /// <summary>Takes parameters from <paramref name="stream"/> on the stream route; sums not in a shared slot go there.</summary>
    public void AttachStream(ICoordinatorStream stream) => _stream = stream;

    /// <summary>The longest assignment frame this worker reads (for its batch size and segments).</summary>
    public int MaxAssignmentBytes { get; }

    /// <summary>
    /// Computes the assignment and returns the answer to send (its small buffers are private copies). Its sums are in
    /// the shared memory slot it names, or in a pooled tensor that the caller gives back with
    /// <see cref="PooledTensor.Release"/> once they are sent.
    /// </summary>
    public async Task<ShardsDone> ComputeAsync(string workerId, ComputeShards assignment, CancellationToken cancellationToken)
    {
        if (assignment.ParametersRoute == TensorRoute.Stream && _parameterVersion != assignment.ParameterVersion)
        {
            var stream = _stream ?? throw new InvalidDataException($"Assignment {assignment.AssignmentId} has its parameters on a stream this worker has not opened.");
            var frame = await stream.TakeParametersAsync(assignment.ParameterVersion, cancellationToken).ConfigureAwait(false);
            UseStreamParameters(assignment, frame);
        }
        return Compute(workerId, assignment);
    }

    private void UseStreamParameters(ComputeShards assignment, ReadOnlyMemory<byte> frame)
    {
        if (frame.Length != _ownParameters.Length * sizeof(float))
        {
            PooledTensor.Release(frame);
            throw new InvalidDataException($"Received {frame.Length / sizeof(float)} parameters; the model has {_ownParameters.Length}.");
        }
        ReleaseParameters();
        MemoryMarshal.Cast<byte, float>(frame.Span).CopyTo(_ownParameters);
        PooledTensor.Release(frame);
        _parameters = _ownParameters;
        _parameterVersion = assignment.ParameterVersion;
    }

    // The previous version's buffer goes back to its pool once nothing computes from it.
    private void ReleaseParameters()
    {
        _sharedParameters?.Release();
        _sharedParameters = null;
    }

    private ShardsDone Compute(string workerId, ComputeShards assignment)
    {
        if (assignment.ParametersRoute == TensorRoute.Stream)
        {
            // Taken when the frame arrived (UseStreamParameters).
        }
        else if (!assignment.Parameters.IsEmpty)
        {
            var floats = MemoryMarshal.Cast<byte, float>(assignment.Parameters.Span);
            if (floats.Length != _ownParameters.Length)
                throw new InvalidDataException($"Received {floats.Length} parameters; the model has {_ownParameters.Length}.");
            // The message's reference to a shared tensor passes to this computer, which drops the previous one.
            ReleaseParameters();
            _sharedParameters = SharedTensor.Of(assignment.Parameters);
            if (_sharedParameters is { } shared)
            {
                _parameters = shared.Floats;
            }
            else
            {
                // A deserialized message (a test with serialize-messages on): its bytes are copied once.
                floats.CopyTo(_ownParameters);
                _parameters = _ownParameters;
            }
            _parameterVersion = assignment.ParameterVersion;
        }
        else if (assignment.ParametersRoute == TensorRoute.SharedMemory && _parameterVersion != assignment.ParameterVersion)
        {
            lock (_files)
            {
                if (_fileParameters is null)
                    throw new InvalidDataException($"Assignment {assignment.AssignmentId} has its parameters in shared memory, which this worker has not mapped.");
                // The shared file holds the two newest versions; an older one was overwritten, so this assignment is stale.
                if (!_fileParameters.TryRead(assignment.ParameterVersion, _ownParameters))
                {
                    // The copy may be torn: whatever version this worker held is gone with it.
                    _parameterVersion = -1;
                    throw new StaleAssignmentException($"Assignment {assignment.AssignmentId} needs parameter version {assignment.ParameterVersion}, which the shared parameter file no longer holds.");
                }
            }
            ReleaseParameters();
            _parameters = _ownParameters;
            _parameterVersion = assignment.ParameterVersion;
        }
        else if (_parameterVersion != assignment.ParameterVersion)
        {
            throw new InvalidDataException($"Assignment {assignment.AssignmentId} needs parameter version {assignment.ParameterVersion}; this worker has {_parameterVersion}.");
        }
        if (assignment.BatchRows > _batchOrder.Length)
            throw new InvalidDataException($"Batch of {assignment.BatchRows} rows exceeds the batch size {_batchOrder.Length}.");
        var plan = new ShardPlan(assignment.BatchRows, _microShardSize);
        var shards = assignment.Shards.ToArray();
        var indices = assignment.SampleIndices.Span;
        int at = 0;
        foreach (int shard in shards)
        {
            if ((uint)shard >= (uint)plan.ShardCount)
                throw new InvalidDataException($"Shard {shard} is outside the batch's {plan.ShardCount} shards.");
            int rows = plan.ShardRows(shard);
            if (at + rows > indices.Length)
                throw new InvalidDataException("The assignment lists fewer sample indices than its shards have rows.");
            foreach (int index in indices.Slice(at, rows))
            {
                if ((uint)index >= (uint)_train.Count)
                    throw new InvalidDataException($"Sample index {index} is outside the training set of {_train.Count} images.");
            }
            indices.Slice(at, rows).CopyTo(_batchOrder.AsSpan(plan.ShardStart(shard)));
            at += rows;
        }
        if (at != indices.Length)
            throw new InvalidDataException("The assignment lists more sample indices than its shards have rows.");

        long start = Stopwatch.GetTimestamp();
        _pool.ComputeShards(_batchOrder, 0, plan, shards, assignment.Step, assignment.Exponents.ToArray(), _parameters);
        var maxAbs = new float[_segments];
        var overflow = new bool[_segments];
        ReadOnlyMemory<byte> sumBytes = ReadOnlyMemory<byte>.Empty;
        int slot = -1;
        lock (_files)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (assignment.SharedSumsSlot >= 0 && _fileSums is { } fileSums)
            {
                slot = assignment.SharedSumsSlot;
                GradientPartial.Combine(_threadPartials, fileSums.Writable(slot), maxAbs, overflow);
            }
        }
        if (slot < 0)
        {
            var sums = _sumsPool.Rent();
            GradientPartial.Combine(_threadPartials, sums.Ints, maxAbs, overflow);
            sumBytes = sums.Bytes;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var loss = new double[shards.Length];
        var correct = new int[shards.Length];
        for (int i = 0; i < shards.Length; i++)
        {
            loss[i] = _pool.ShardLoss[shards[i]];
            correct[i] = _pool.ShardCorrect[shards[i]];
        }
        // Sums not in a slot go on the stream when there is one (also from a worker on shared memory whose slots were
        // both still being read), else in the message, to a coordinator in this process.
        var route = slot >= 0 ? TensorRoute.SharedMemory : _stream is not null ? TensorRoute.Stream : TensorRoute.Inline;
        return new ShardsDone(workerId, assignment.Step, assignment.AssignmentId, shards, sumBytes, maxAbs, overflow, loss, correct, seconds, route, slot);
    }

    public void Dispose()
    {
        lock (_files)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            _fileParameters?.Dispose();
            _fileSums?.Dispose();
        }
        // A computation may still be reading the shared parameters; they are not released but left to the GC.
        _pool.Dispose();
    }
}
