namespace ClusterMnist.Cluster.DataPlane;

/// <summary>Gives back the pooled buffer behind a tensor that a message carried, whichever pool it came from.</summary>
internal static class PooledTensor
{
    /// <summary>
    /// Releases the reference a message held on <paramref name="memory"/>: an in-process pooled tensor, a shared
    /// memory sums slot, or a data plane frame's buffer. Does nothing for other memory (e.g. a deserialized array).
    /// </summary>
    public static void Release(ReadOnlyMemory<byte> memory)
    {
        SharedTensor.ReleaseIfShared(memory);
        SharedSums.ReleaseIfSlot(memory);
        StreamFrameTensor.ReleaseIfFrame(memory);
    }
}
