// Per-thread scratch for the fused kernels' packed panels: a pinned buffer whose returned span starts on a 64-byte
// cache line, so that no vector load of a packed panel splits across two lines (measured +5 % on the 256×784 weight
// gradient with zmm loads). Grown, never shrunk; the caller keeps the array in a [ThreadStatic] field.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ClusterMnist.Core.Kernels;

internal static class LineAlignedScratch
{
    private const int LineBytes = 64;

    /// <summary>A span of <paramref name="length"/> elements of <paramref name="buffer"/> (grown if needed) starting on a cache line.</summary>
    public static unsafe Span<T> Grow<T>(ref T[]? buffer, int length)
        where T : unmanaged
    {
        int slack = LineBytes / sizeof(T);
        if (buffer is null || buffer.Length < length + slack)
            buffer = GC.AllocateUninitializedArray<T>(length + slack, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        int skip = (int)((LineBytes - (address & (LineBytes - 1))) & (LineBytes - 1)) / sizeof(T);
        return buffer.AsSpan(skip, length);
    }
}
