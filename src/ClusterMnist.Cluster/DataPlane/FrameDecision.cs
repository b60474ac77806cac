namespace ClusterMnist.Cluster.DataPlane;

/// <summary>What a <see cref="FrameGate"/> decides about a frame whose header has arrived.</summary>
public enum FrameDecision
{
    /// <summary>Read the payload into a pooled buffer and hand it to the application.</summary>
    Accept,

    /// <summary>A frame the protocol allows but no longer wants (an old version or assignment): read it and drop it.</summary>
    Stale,

    /// <summary>A frame that must not exist (wrong size, an id never issued): close the connection without reading it.</summary>
    Reject,
}
