using System.Runtime.InteropServices;
using Google.Protobuf;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// Tensors on the wire are raw little-endian float32 bytes in a protobuf <c>bytes</c> field. These helpers avoid
/// per-element encoding and needless copies on both ends.
/// </summary>
public static class TensorBytes
{
    /// <summary>
    /// A <see cref="ByteString"/> that aliases <paramref name="values"/> (no copy). The floats must not change until
    /// the message has been told: serialization happens inside <see cref="IActorRef.Tell"/>.
    /// </summary>
    public static ByteString Wrap(ReadOnlyMemory<float> values)
    {
        EnsureLittleEndian();
        var bytes = new CastMemoryManager<float, byte>(MemoryMarshal.AsMemory(values)).Memory;
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    /// <summary>The floats stored in <paramref name="bytes"/>, as a view of the same memory (no copy).</summary>
    public static ReadOnlyMemory<float> AsFloats(ReadOnlyMemory<byte> bytes)
    {
        EnsureLittleEndian();
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"A float32 tensor needs a multiple of 4 bytes, got {bytes.Length}.");
        }

        return new CastMemoryManager<byte, float>(MemoryMarshal.AsMemory(bytes)).Memory;
    }

    /// <summary>
    /// Gives the receive buffer behind <paramref name="values"/> (a view from <see cref="AsFloats"/> of a record whose
    /// codec leases its payload) back for reuse. After this, neither these floats nor any other view into that message
    /// may be read. Returns false, doing nothing, for memory that is not a leased receive buffer (a local array, a
    /// record of a non-leasing codec, or one already released), so a record that arrived locally is safe to pass.
    /// </summary>
    public static bool Release(ReadOnlyMemory<float> values) =>
        MemoryMarshal.TryGetMemoryManager<float, CastMemoryManager<byte, float>>(values, out var manager) && Release(manager.Source);

    /// <summary>As <see cref="Release(ReadOnlyMemory{float})"/>, for a raw byte view of a received payload.</summary>
    public static bool Release(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Array is { } array && ReceiveBufferPool.Return(array);

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Raw float32 tensor bytes assume a little-endian machine.");
        }
    }
}
