using System.Buffers;
using System.Numerics;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// Buffers for received payloads: arrays on the pinned object heap, kept after use and handed out again, so a
/// connection that receives a 1 MB frame every step allocates its buffers once. Written here rather than taken from
/// <see cref="ArrayPool{T}.Shared"/> because that pool's arrays are ordinary (the socket must pin them for every
/// read, and the CLI's 4 MB large-object threshold puts 1 MB arrays in the young generation, where pins hinder
/// compaction) and because it cannot tell a test whether a buffer was reused.
/// </summary>
internal sealed class PinnedBufferPool
{
    // Capacities are powers of two from 4 KB, so a payload wastes less than half its buffer; a few buffers per size
    // cover a lock-step exchange (one in use, one arriving) with room for an application that holds one a while.
    private const int SmallestBucketBits = 12;
    private const int RetainedPerBucket = 4;
    // A frame's largest payload (DataFrameHeader.MaxPayloadLength) fits the largest bucket.
    private const int LargestBucketBits = 30;

    private readonly Stack<byte[]>[] _buckets = [.. Enumerable.Range(0, LargestBucketBits - SmallestBucketBits + 1).Select(_ => new Stack<byte[]>())];
    private long _allocated;

    /// <summary>Arrays this pool has allocated so far (a reused buffer does not count again).</summary>
    public long BuffersAllocated => Interlocked.Read(ref _allocated);

    /// <summary>A buffer of exactly <paramref name="length"/> bytes, at most 1 GiB (contents undefined); dispose it to return it.</summary>
    public IMemoryOwner<byte> Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 1 << LargestBucketBits);
        if (length == 0)
        {
            return new Lease(this, [], 0, bucket: -1);
        }

        int bucket = Math.Max(0, (int)BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)length)) - SmallestBucketBits);
        byte[]? array = null;
        lock (_buckets[bucket])
        {
            _buckets[bucket].TryPop(out array);
        }

        if (array is null)
        {
            array = GC.AllocateUninitializedArray<byte>(1 << (bucket + SmallestBucketBits), pinned: true);
            Interlocked.Increment(ref _allocated);
        }

        return new Lease(this, array, length, bucket);
    }

    private void Return(byte[] array, int bucket)
    {
        lock (_buckets[bucket])
        {
            if (_buckets[bucket].Count < RetainedPerBucket)
            {
                _buckets[bucket].Push(array);
            }
        }
    }

    /// <summary>One rental. A second Dispose does nothing, so a buffer can never be handed out twice at once.</summary>
    private sealed class Lease(PinnedBufferPool pool, byte[] array, int length, int bucket) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array is { } a ? a.AsMemory(0, length) : throw new ObjectDisposedException(nameof(IMemoryOwner<byte>), "the frame's buffer was already returned");

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } returned && bucket >= 0)
            {
                pool.Return(returned, bucket);
            }
        }
    }
}
