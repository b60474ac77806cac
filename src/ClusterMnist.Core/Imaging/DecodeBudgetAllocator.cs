using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// ImageSharp's memory for one decode, capped in total: every buffer the decoder asks for (pixels, frames, JPEG
/// coefficients, scratch rows) counts against <see cref="BudgetBytes"/>, and the request that would pass it throws
/// <see cref="DecodeBudgetExceededException"/>. The header's pixel count is checked before decoding; this catches what
/// a header does not show (extra frames, a decoder's own working memory). Buffers are plain managed arrays, so the
/// memory of a refused or finished decode goes back to the garbage collector instead of staying in a pool.
/// </summary>
internal sealed class DecodeBudgetAllocator(long budgetBytes) : MemoryAllocator
{
    private readonly SimpleGcMemoryAllocator _arrays = new();
    private long _allocated;

    /// <summary>Most bytes this decode may allocate.</summary>
    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>Bytes allocated so far (freed buffers still count: the budget bounds the decode's total work).</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);

    /// <inheritdoc />
    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bytes = (long)length * Unsafe.SizeOf<T>();
        if (Interlocked.Add(ref _allocated, bytes) > BudgetBytes)
        {
            throw new DecodeBudgetExceededException(BudgetBytes);
        }

        return _arrays.Allocate<T>(length, options);
    }

    /// <inheritdoc />
    protected override int GetBufferCapacityInBytes() => (int)Math.Min(int.MaxValue, BudgetBytes);
}
