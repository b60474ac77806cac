namespace ClusterMnist.Cluster.DataPlane;

/// <summary>What a data-plane frame carries. Any other value on the wire closes the connection as malformed.</summary>
public enum DataFrameKind : byte
{
    /// <summary>Coordinator to worker: the parameters of one version (float32, little-endian); the id is the version.</summary>
    Parameters = 1,

    /// <summary>Worker to coordinator: the int32 gradient sums of one assignment; the id is the assignment.</summary>
    GradientSum = 2,
}
