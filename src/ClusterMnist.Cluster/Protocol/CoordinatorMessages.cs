namespace ClusterMnist.Cluster.Protocol;

/// <summary>Marker of the messages a coordinator's mailbox accepts (besides the runtime's Terminated).</summary>
public interface ICoordinatorMessage;

/// <summary>A worker asks to join; the sender is the worker actor. Repeated until answered (idempotent).</summary>
/// <param name="WorkerId">Stable name of the worker (host name, pod name, …); a new join under the same id replaces the old member.</param>
/// <param name="Cores">Threads the worker computes shards on; shards are assigned in proportion.</param>
/// <param name="DataFingerprint">ImageSet.Fingerprint of the worker's training set; must equal the coordinator's.</param>
/// <param name="SharedMemory">The worker can exchange tensors through shared memory files if they turn out to be on its host.</param>
public sealed record JoinRequest(string WorkerId, int Cores, string DataFingerprint, bool SharedMemory = false) : ICoordinatorMessage;

/// <summary>The worker's answer to a <see cref="SharedMemoryOffer"/>: mapped (tensors go through the files from now on) or not, and why.</summary>
public sealed record SharedMemoryReady(string WorkerId, bool Attached, string Detail) : ICoordinatorMessage;

/// <summary>
/// A worker's exact partial for one assignment: the int32 sums of its shards' quantized gradients as raw
/// little-endian bytes (4 per parameter), per segment the max |g| and overflow flag, and per shard (in the order of
/// <paramref name="Shards"/>) the loss sum and correct count. When <paramref name="SharedSumsSlot"/> is a slot
/// (not −1), the sums are in that slot of the worker's shared sums file and <paramref name="Sums"/> is empty.
/// </summary>
public sealed record ShardsDone(
    string WorkerId,
    long Step,
    long AssignmentId,
    ReadOnlyMemory<int> Shards,
    ReadOnlyMemory<byte> Sums,
    ReadOnlyMemory<float> MaxAbs,
    ReadOnlyMemory<bool> Overflow,
    ReadOnlyMemory<double> ShardLoss,
    ReadOnlyMemory<int> ShardCorrect,
    double ComputeSeconds,
    int SharedSumsSlot = -1) : ICoordinatorMessage;

/// <summary>A worker is alive (sent periodically, also while it computes).</summary>
public sealed record Heartbeat(string WorkerId) : ICoordinatorMessage;

/// <summary>A worker leaves (e.g. on SIGTERM) after finishing the shards it was computing.</summary>
public sealed record Goodbye(string WorkerId, string Reason) : ICoordinatorMessage;

/// <summary>Periodic tick: declare workers silent for longer than the timeout dead.</summary>
public sealed record CheckWorkerDeadlines : ICoordinatorMessage
{
    /// <summary>The single instance.</summary>
    public static CheckWorkerDeadlines Instance { get; } = new();

    private CheckWorkerDeadlines()
    {
    }
}
