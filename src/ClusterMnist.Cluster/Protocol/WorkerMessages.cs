namespace ClusterMnist.Cluster.Protocol;

/// <summary>Marker of the messages a worker's mailbox accepts.</summary>
public interface IWorkerMessage;

/// <summary>The coordinator accepted the worker; what it needs to build the network and gradient layout.</summary>
/// <param name="CoordinatorId">Name of the coordinator (for logs).</param>
/// <param name="Model">Canonical model spec (ModelSpec.ToString()).</param>
/// <param name="BatchSize">Rows per full batch (fixes the quantization limit).</param>
/// <param name="MicroShardSize">Rows per micro-shard.</param>
/// <param name="Seed">The run's seed (dropout masks depend on seed, step and shard).</param>
/// <param name="SharedMemory">The files to exchange tensors through, when the worker asked and the coordinator offers them.</param>
public sealed record JoinAccepted(string CoordinatorId, string Model, int BatchSize, int MicroShardSize, ulong Seed, SharedMemoryOffer? SharedMemory = null)
    : IWorkerMessage;

/// <summary>The coordinator refused the worker, e.g. because its data set differs.</summary>
public sealed record JoinRefused(string Reason) : IWorkerMessage;

/// <summary>
/// Compute these shards of step <paramref name="Step"/>. <paramref name="Parameters"/> holds the parameters of
/// <paramref name="ParameterVersion"/> as raw little-endian float32 bytes, sent once per step and worker; it is
/// empty when the worker already has that version. <paramref name="SampleIndices"/> lists the training-set indices
/// of the shards' rows, shard after shard in the order of <paramref name="Shards"/>. With
/// <paramref name="ParametersShared"/> the version is in the coordinator's shared parameter file instead, and with a
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
    bool ParametersShared = false,
    int SharedSumsSlot = -1) : IWorkerMessage;

/// <summary>The run is over; the worker may exit.</summary>
public sealed record TrainingFinished(string ParameterSha256) : IWorkerMessage;

/// <summary>Local: leave after finishing the shards in progress (what a worker host does on SIGTERM).</summary>
public sealed record Drain(string Reason) : IWorkerMessage;

/// <summary>Local: talk to the coordinator through this reference from now on (a new connection), and join again.</summary>
public sealed record UseCoordinator(Actors.IActorRef Coordinator) : IWorkerMessage;

/// <summary>Local: the background computation of an assignment is done (or failed).</summary>
internal sealed record AssignmentComputed(ComputeShards Assignment, ShardsDone? Result, Exception? Failure) : IWorkerMessage;

/// <summary>Periodic tick: send a heartbeat, and repeat the join request while not yet accepted.</summary>
public sealed record WorkerTick : IWorkerMessage
{
    /// <summary>The single instance.</summary>
    public static WorkerTick Instance { get; } = new();

    private WorkerTick()
    {
    }
}
