namespace ClusterMnist.Cluster.DataPlane;

/// <summary>A <see cref="FrameGate"/>'s decision and, for the log, why.</summary>
/// <param name="Decision">Accept, drop as stale, or reject and close.</param>
/// <param name="Reason">Why a frame is stale or rejected; logged with the connection's worker and address.</param>
public readonly record struct FrameVerdict(FrameDecision Decision, string? Reason)
{
    /// <summary>Read the payload and hand it over.</summary>
    public static FrameVerdict Accept => new(FrameDecision.Accept, null);

    /// <summary>Read the payload and drop it.</summary>
    public static FrameVerdict Stale(string reason) => new(FrameDecision.Stale, reason);

    /// <summary>Close the connection before the payload is read.</summary>
    public static FrameVerdict Reject(string reason) => new(FrameDecision.Reject, reason);
}
