namespace ClusterMnist.Cluster.DataPlane;

/// <summary>What a data-plane frame carries. Any other value on the wire closes the connection as malformed.</summary>
public enum DataFrameKind : byte
{
    /// <summary>Coordinator to worker: the parameters of one version (float32, little-endian); the id is the version.</summary>
    Parameters = 1,

    /// <summary>
    /// Worker to coordinator: the int32 gradient sums of one assignment; the id is the assignment. It follows that
    /// assignment's <see cref="Answer"/> frame.
    /// </summary>
    GradientSum = 2,

    /// <summary>
    /// Coordinator to worker: an assignment the coordinator actor decided (a serialized <c>ComputeShards</c> without its
    /// tensor); the id is the assignment. It follows the frame of the parameters it names, if they travel on the stream.
    /// </summary>
    Assignment = 3,

    /// <summary>
    /// Worker to coordinator: the answer to an assignment (a serialized <c>ShardsDone</c> without its tensor); the id is
    /// the assignment. Its sums follow in a <see cref="GradientSum"/> frame, or lie in the shared memory slot it names.
    /// </summary>
    Answer = 4,

    /// <summary>Worker to coordinator: the worker leaves after its last answer (UTF-8 reason); the id is 0.</summary>
    Goodbye = 5,
}
