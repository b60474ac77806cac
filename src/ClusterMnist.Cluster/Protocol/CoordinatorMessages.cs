namespace ClusterMnist.Cluster.Protocol;

/// <summary>Marker of the messages a coordinator's mailbox accepts (besides the runtime's Terminated).</summary>
public interface ICoordinatorMessage;

/// <summary>A worker asks to join; the sender is the worker actor. Repeated until answered (idempotent).</summary>
/// <param name="WorkerId">Stable name of the worker (host name, pod name, …); a new join under the same id replaces the old member.</param>
/// <param name="Cores">Threads the worker computes shards on; shards are assigned in proportion.</param>
/// <param name="DataFingerprint">ImageSet.Fingerprint of the worker's training set; must equal the coordinator's.</param>
public sealed record JoinRequest(string WorkerId, int Cores, string DataFingerprint) : ICoordinatorMessage;

/// <summary>
/// A worker's exact partial for one assignment: the int32 sums of its shards' quantized gradients as raw
/// little-endian bytes (4 per parameter), per segment the max |g| and overflow flag, and per shard (in the order of
/// <paramref name="Shards"/>) the loss sum and correct count.
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
    double ComputeSeconds) : ICoordinatorMessage;

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
