using System.Buffers;
using System.Runtime.InteropServices;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// A received data plane frame's payload, exposed as the memory a protocol record carries (the sums of a
/// <c>ShardsDone</c>, the parameters a worker computes from), so that whoever is done with it gives the pooled buffer
/// back through <see cref="PooledTensor.Release"/>, like any other pooled tensor.
/// </summary>
internal sealed class StreamFrameTensor(IMemoryOwner<byte> payload) : MemoryManager<byte>
{
    private IMemoryOwner<byte>? _payload = payload;

    /// <summary>The payload as a record's tensor.</summary>
    public static ReadOnlyMemory<byte> Wrap(IMemoryOwner<byte> payload) => new StreamFrameTensor(payload).Memory;

    /// <summary>Gives the buffer back to the connection's pool, if <paramref name="memory"/> is a frame's (once; later calls do nothing).</summary>
    public static void ReleaseIfFrame(ReadOnlyMemory<byte> memory)
    {
        if (MemoryMarshal.TryGetMemoryManager(memory, out StreamFrameTensor? frame))
            Interlocked.Exchange(ref frame._payload, null)?.Dispose();
    }

    public override Span<byte> GetSpan() => (_payload ?? throw new ObjectDisposedException(nameof(StreamFrameTensor), "the frame's buffer was already released")).Memory.Span;

    public override MemoryHandle Pin(int elementIndex = 0)
        => (_payload ?? throw new ObjectDisposedException(nameof(StreamFrameTensor))).Memory[elementIndex..].Pin();

    public override void Unpin()
    {
        // The handle from Pin unpins the payload's own memory.
    }

    protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _payload, null)?.Dispose();
}
