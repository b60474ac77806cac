// Tensors that in-process messages carry by reference. A ComputeShards' parameters and a ShardsDone's int32 sums
// are ReadOnlyMemory<byte>; when sender and receiver share a process, that memory is a SharedTensor from a pool,
// so a step moves no tensor bytes through the in-memory transport: the worker computes straight from the
// coordinator's parameter buffer and the coordinator adds straight from the worker's sum buffer. Each holder of a
// reference (the sender until it hands the buffer on, every message in flight) releases it once; the last release
// returns the buffer to its pool, and only a buffer nobody holds is rented and written again. A message that is
// serialized (remote transport) or dropped simply never releases, and its buffer is left to the GC.
using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>A pooled, reference-counted float32/int32 tensor exposed as the bytes of a protocol message.</summary>
internal sealed class SharedTensor : MemoryManager<byte>
{
    private readonly SharedTensorPool _pool;
    private readonly IntView _ints;
    private int _references;

    internal SharedTensor(SharedTensorPool pool, int length)
    {
        _pool = pool;
        Floats = GC.AllocateUninitializedArray<float>(length, pinned: true);
        _ints = new IntView(this);
    }

    /// <summary>The tensor as floats (parameters).</summary>
    public float[] Floats { get; }

    /// <summary>The same storage as int32 values (sums).</summary>
    public Span<int> Ints => MemoryMarshal.Cast<float, int>(Floats.AsSpan());

    /// <summary>The same storage as int32 memory (sums), e.g. to defer adding them into the reduction.</summary>
    public ReadOnlyMemory<int> IntMemory => _ints.Memory;

    /// <summary>The tensor as the raw little-endian bytes a message carries.</summary>
    public ReadOnlyMemory<byte> Bytes => Memory;

    /// <summary>The shared tensor behind <paramref name="memory"/>, or null when it is ordinary (e.g. received) memory.</summary>
    public static SharedTensor? Of(ReadOnlyMemory<byte> memory)
        => MemoryMarshal.TryGetMemoryManager(memory, out SharedTensor? tensor) && memory.Length == tensor.Floats.Length * sizeof(float) ? tensor : null;

    /// <summary>Releases the reference a message held on <paramref name="memory"/>, if it is a shared tensor.</summary>
    public static void ReleaseIfShared(ReadOnlyMemory<byte> memory) => Of(memory)?.Release();

    /// <summary>Adds a reference (e.g. for one more message carrying the tensor).</summary>
    public void Retain() => Interlocked.Increment(ref _references);

    /// <summary>Drops a reference; the last one returns the tensor to its pool.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
            _pool.Return(this);
        else if (left < 0)
            throw new InvalidOperationException("A shared tensor was released more often than it was retained.");
    }

    internal void Rented() => Volatile.Write(ref _references, 1);

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(Floats.AsSpan());

    // The array lives on the pinned object heap, so its address is stable without a handle.
    public override unsafe MemoryHandle Pin(int elementIndex = 0)
        => new((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Floats)) + elementIndex, default, this);

    public override void Unpin()
    {
        // Pinned for its whole life; nothing to undo.
    }

    protected override void Dispose(bool disposing)
    {
        // Owned by the pool; the GC reclaims it with the pool.
    }

    private sealed class IntView(SharedTensor owner) : MemoryManager<int>
    {
        public override Span<int> GetSpan() => owner.Ints;

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
            => new((int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(owner.Floats)) + elementIndex, default, this);

        public override void Unpin()
        {
            // The owner's array is pinned for its whole life.
        }

        protected override void Dispose(bool disposing)
        {
            // Owned by the tensor.
        }
    }
}

/// <summary>Tensors of one length, reused once every holder has released them.</summary>
internal sealed class SharedTensorPool(int length)
{
    private readonly ConcurrentStack<SharedTensor> _free = new();

    /// <summary>Elements per tensor.</summary>
    public int Length => length;

    /// <summary>A tensor nobody else holds, with one reference (the caller's); its contents are undefined.</summary>
    public SharedTensor Rent()
    {
        if (!_free.TryPop(out var tensor))
            tensor = new SharedTensor(this, length);
        tensor.Rented();
        return tensor;
    }

    internal void Return(SharedTensor tensor) => _free.Push(tensor);
}

/// <summary>
/// Received raw little-endian int32 bytes (e.g. a remote worker's sums, which the message owns and nobody changes)
/// viewed as int memory without copying, so that they can be deferred into the sliced reduction too.
/// </summary>
internal sealed class Int32BytesView(ReadOnlyMemory<byte> bytes) : MemoryManager<int>
{
    public override Span<int> GetSpan() => MemoryMarshal.Cast<byte, int>(MemoryMarshal.AsMemory(bytes).Span);

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = bytes.Pin();
        return new MemoryHandle((byte*)handle.Pointer + (elementIndex * sizeof(int)), default, this);
    }

    public override void Unpin()
    {
        // The byte memory is pinned through the handle returned by Pin.
    }

    protected override void Dispose(bool disposing)
    {
        // Does not own the bytes.
    }
}
