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

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Raw float32 tensor bytes assume a little-endian machine.");
        }
    }
}
