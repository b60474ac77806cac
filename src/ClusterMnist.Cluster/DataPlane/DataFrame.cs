using System.Buffers;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// A received frame: its header and its payload in a pooled buffer. The receiver owns <see cref="Payload"/> and must
/// dispose it (or the frame) when done, which returns the buffer for a later frame; disposing twice is harmless.
/// </summary>
/// <param name="Header">Kind, length and id, as the gate accepted them.</param>
/// <param name="Payload">Exactly <see cref="DataFrameHeader.PayloadLength"/> bytes.</param>
public readonly record struct DataFrame(DataFrameHeader Header, IMemoryOwner<byte> Payload) : IDisposable
{
    /// <summary>Returns the payload's buffer to its pool.</summary>
    public void Dispose() => Payload.Dispose();
}
