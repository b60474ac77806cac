namespace ClusterMnist.Cluster.Worker;

/// <summary>How a worker runs.</summary>
/// <param name="WorkerId">Stable, unique name of the worker (host or pod name).</param>
/// <param name="Threads">Threads computing shards; the coordinator assigns shards in proportion.</param>
public sealed record WorkerSettings(string WorkerId, int Threads = 1)
{
    /// <summary>How often an unanswered join request is repeated.</summary>
    public TimeSpan JoinRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Ask the coordinator for shared memory files, and exchange tensors through them when they turn out to be on
    /// this host (a worker process; workers in the coordinator's process already share its buffers).
    /// </summary>
    public bool SharedMemory { get; init; }

    /// <summary>
    /// While the data set loads, train one step of the coordinator's model on random images on the side (see
    /// <see cref="Hosting.InProcessCluster.WarmUpAsync"/>), so that the worker's first assignment does not wait for
    /// its code to compile: for a worker process whose runtime compiles every method fully optimized on first call.
    /// </summary>
    public bool WarmUp { get; init; }

    /// <summary>The longest worker id, in bytes of UTF-8 (what the data plane's hello carries).</summary>
    public const int MaxIdBytes = DataPlane.DataPlaneHello.MaxWorkerIdBytes;

    /// <summary>What a worker id may be: it names the worker in log lines, its actor's path and its data plane hello.</summary>
    public static string IdRule => $"a worker id is 1 to {MaxIdBytes} bytes of UTF-8, not blank, without control characters";

    /// <summary>True when <paramref name="workerId"/> keeps <see cref="IdRule"/>.</summary>
    public static bool IsValidId(string? workerId) =>
        !string.IsNullOrWhiteSpace(workerId)
        && System.Text.Encoding.UTF8.GetByteCount(workerId) <= MaxIdBytes
        && !workerId.Any(char.IsControl);

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        // Checked here, not first in the data plane's hello, which a worker sends only after it has joined and loaded its data.
        if (!IsValidId(WorkerId))
            throw new ArgumentException($"'{WorkerId}': {IdRule}.", nameof(WorkerId));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Threads);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(JoinRetryInterval, TimeSpan.Zero);
    }
}

/// <summary>How a worker's participation ended.</summary>
public enum WorkerOutcomeKind
{
    /// <summary>The run completed.</summary>
    Finished,

    /// <summary>The coordinator refused it (e.g. different data set).</summary>
    Refused,

    /// <summary>It left on request (drain) after finishing its shards.</summary>
    Left,

    /// <summary>It failed computing an assignment, or could not load its data or open its data plane.</summary>
    Failed,

    /// <summary>The coordinator left or was lost: a supervisor restarts the worker, which then joins the coordinator's next incarnation.</summary>
    LostCoordinator,

    /// <summary>The worker was stopped without leaving: killed, or its node shut down under it.</summary>
    Stopped,
}

/// <summary>How and why a worker stopped taking part.</summary>
/// <param name="Kind">Finished, refused, left or failed.</param>
/// <param name="Detail">The final parameter hash, or the reason.</param>
/// <param name="ShardsDone">Micro-shards it computed.</param>
public sealed record WorkerOutcome(WorkerOutcomeKind Kind, string Detail, long ShardsDone);
