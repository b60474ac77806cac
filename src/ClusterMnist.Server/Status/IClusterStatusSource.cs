namespace ClusterMnist.Server.Status;

/// <summary>
/// What the coordinator knows about its cluster and its run, read by <c>/api/status</c> and <c>/metrics</c>.
/// Implementations return immutable values and must be safe to call from any thread.
/// </summary>
public interface IClusterStatusSource
{
    /// <summary>Members, training progress and the configuration in force.</summary>
    ClusterStatus GetStatus();

    /// <summary>The current metric values (cheaper than <see cref="GetStatus"/>: no history, no member list).</summary>
    ClusterMetrics GetMetrics();
}
