using System.Buffers;

namespace ClusterMnist.Actors.Remoting;

/// <summary>One serialized envelope in a pooled buffer, waiting for the connection's send loop.</summary>
internal sealed class OutboundFrame(byte[] buffer, int length, string description)
{
    private byte[]? _buffer = buffer;

    public ReadOnlyMemory<byte> Bytes => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, length);

    public int Length => length;

    /// <summary>What it carries, for logs ("Heartbeat", "USER GradientShard to /user/x").</summary>
    public string Description => description;

    public void Return()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
