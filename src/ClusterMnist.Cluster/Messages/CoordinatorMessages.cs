namespace ClusterMnist.Cluster.Messages;

/// <summary>A worker asks to join; the sender is the worker actor. Repeated until answered (idempotent).</summary>
/// <param name="WorkerId">Stable name of the worker (host name, pod name, …); a new join under the same id replaces the old member.</param>
/// <param name="Cores">Threads the worker computes shards on; shards are assigned in proportion.</param>
/// <param name="SharedMemory">The worker can map shared memory files, should they turn out to be on its host.</param>
public sealed record JoinRequest(string WorkerId, int Cores, bool SharedMemory) : ICoordinatorMessage, IControlMessage;

/// <summary>
/// The worker has loaded the data set it was told to, and attached to its data plane: it can take shards now.
/// </summary>
/// <param name="WorkerId">The id it joined with.</param>
/// <param name="DataFingerprint">ImageSet.Fingerprint of the training set it loaded; must equal the coordinator's.</param>
/// <param name="Route">How its tensors travel: shared memory, its stream, or in the messages (one process).</param>
/// <param name="Detail">Why that route (e.g. why shared memory could not be mapped), for the logs.</param>
public sealed record WorkerReady(string WorkerId, string DataFingerprint, TensorRoute Route, string Detail) : ICoordinatorMessage, IControlMessage;

/// <summary>
/// A worker's exact partial for one assignment: the int32 sums of its shards' quantized gradients (4 little-endian
/// bytes per parameter, where <paramref name="SumsRoute"/> says), per segment the max |g| and overflow flag, and per
/// shard (in the order of <paramref name="Shards"/>) the loss sum and correct count. <paramref name="Sums"/> holds the
/// bytes only on the <see cref="TensorRoute.Inline"/> route; on the others it is empty, and
/// <paramref name="SharedSumsSlot"/> names the shared memory slot or the assignment id names the stream frame.
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
    TensorRoute SumsRoute = TensorRoute.Inline,
    int SharedSumsSlot = -1) : ICoordinatorMessage;

/// <summary>A worker leaves (e.g. on SIGTERM) after finishing the shards it was computing.</summary>
public sealed record Goodbye(string WorkerId, string Reason) : ICoordinatorMessage, IControlMessage;
