using System.Buffers;
using System.Runtime.InteropServices;

namespace ClusterMnist.Actors.Remoting;

/// <summary>Reinterprets a block of memory as another unmanaged element type without copying.</summary>
internal sealed class CastMemoryManager<TFrom, TTo>(Memory<TFrom> source) : MemoryManager<TTo>
    where TFrom : unmanaged
    where TTo : unmanaged
{
    /// <summary>The memory being reinterpreted.</summary>
    public Memory<TFrom> Source => source;

    public override Span<TTo> GetSpan() => MemoryMarshal.Cast<TFrom, TTo>(source.Span);

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = source.Pin();
        return new MemoryHandle((byte*)handle.Pointer + (elementIndex * sizeof(TTo)), default, this);
    }

    public override void Unpin()
    {
        // The source memory is pinned through the handle returned by Pin; nothing else is held here.
    }

    protected override void Dispose(bool disposing)
    {
        // Does not own the source memory.
    }
}
