using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Messages;

/// <summary>The coordinator accepted the worker: what it needs to load the data, build the network and reach the data plane.</summary>
/// <param name="CoordinatorId">Name of the coordinator (for logs).</param>
/// <param name="Dataset">The data set to load (DatasetCatalog name, e.g. "fashion"); empty when the worker was given its data.</param>
/// <param name="DataFingerprint">ImageSet.Fingerprint of the coordinator's training set, which the worker's must equal.</param>
/// <param name="Model">Canonical model spec (ModelSpec.ToString()).</param>
/// <param name="BatchSize">Rows per full batch (fixes the quantization limit).</param>
/// <param name="MicroShardSize">Rows per micro-shard.</param>
/// <param name="Seed">The run's seed (dropout masks depend on seed, step and shard).</param>
/// <param name="DataPlane">Where the tensors can travel: shared memory files and/or a stream; null in one process.</param>
public sealed record JoinAccepted(string CoordinatorId, string Dataset, string DataFingerprint, string Model, int BatchSize, int MicroShardSize,
    ulong Seed, DataPlaneOffer? DataPlane = null) : IWorkerMessage, IControlMessage;

/// <summary>The data plane a coordinator offers a worker on another node.</summary>
/// <param name="SharedMemory">Files to map, useful only if the worker turns out to be on the coordinator's host.</param>
/// <param name="Stream">The stream to open otherwise.</param>
public sealed record DataPlaneOffer(SharedMemoryOffer? SharedMemory, StreamOffer Stream);

/// <summary>Where and how a worker opens its data plane stream to the coordinator.</summary>
/// <param name="Host">The coordinator's host name or address, as the cluster knows it.</param>
/// <param name="Port">The data plane's TCP port.</param>
/// <param name="Ticket">One-time 16-byte secret that authorizes this worker's connection (this message travels over mutual TLS).</param>
/// <param name="Encrypted">TLS with the cluster certificate; false only on a network declared trusted.</param>
public sealed record StreamOffer(string Host, int Port, byte[] Ticket, bool Encrypted);

/// <summary>
/// The coordinator refused the worker (its data set differs, it asked for a route it was not offered), or stopped
/// taking it (a newer worker joined with its id).
/// </summary>
public sealed record JoinRefused(string Reason) : IWorkerMessage, IControlMessage;

/// <summary>
/// The coordinator took the worker's ready message: the worker is live and takes shards from the next step on. Only
/// now is a worker ready, in its log and for a readiness probe; the coordinator may still refuse it before.
/// </summary>
/// <param name="LiveWorkers">Live workers, this one included.</param>
public sealed record WorkerAdmitted(int LiveWorkers) : IWorkerMessage, IControlMessage;

/// <summary>
/// Compute these shards of step <paramref name="Step"/> from the parameters of <paramref name="ParameterVersion"/>.
/// On the <see cref="TensorRoute.Inline"/> route <paramref name="Parameters"/> holds them as raw little-endian float32
/// bytes, once per step and worker (empty when the worker already has that version); on the other routes they are in
/// the shared parameter file or in the stream frame of that version. <paramref name="SampleIndices"/> lists the
/// training-set indices of the shards' rows, shard after shard in the order of <paramref name="Shards"/>. With a
/// <paramref name="SharedSumsSlot"/> (not −1) the worker answers through that slot of its shared sums file.
/// </summary>
public sealed record ComputeShards(
    long Step,
    long AssignmentId,
    long ParameterVersion,
    ReadOnlyMemory<byte> Parameters,
    int BatchRows,
    ReadOnlyMemory<int> Shards,
    ReadOnlyMemory<int> SampleIndices,
    ReadOnlyMemory<int> Exponents,
    TensorRoute ParametersRoute = TensorRoute.Inline,
    int SharedSumsSlot = -1) : IWorkerMessage;

/// <summary>The run is over; the worker may exit.</summary>
public sealed record TrainingFinished(string ParameterSha256) : IWorkerMessage, IControlMessage;
