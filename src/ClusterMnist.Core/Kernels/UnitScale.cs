// Pixel bytes to floats in [0, 1]: destination[i] = source[i] / 255f, each the correctly rounded quotient (a division,
// not a multiplication by 1/255, which would round some values differently). Why fast: 16 bytes at a time are
// zero-extended to int32 lanes (vpmovzxbd), converted exactly and divided in one 512-bit (or 256-bit) instruction each;
// TensorPrimitives.ConvertTruncating then Divide took two passes and widened byte → ushort → uint → float on the way.
// The tail (or the whole span without vector hardware) is scalar, with the same exact operations.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class UnitScale
{
    /// <summary>destination[i] = source[i] / 255f for i &lt; source.Length.</summary>
    public static void FromBytes(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination holds {destination.Length} floats, fewer than {source.Length}.", nameof(destination));
        ref byte s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        int n = source.Length, i = 0;
        if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
        {
            var divisor = Vector512.Create(255f);
            for (; i <= n - 16; i += 16)
            {
                var bytes = Vector128.LoadUnsafe(ref s, (nuint)i);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(bytes)) / divisor).StoreUnsafe(ref d, (nuint)i);
            }
        }
        else if (Avx2.IsSupported)
        {
            var divisor = Vector256.Create(255f);
            for (; i <= n - 8; i += 8)
            {
                var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i))).AsByte();
                (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(bytes)) / divisor).StoreUnsafe(ref d, (nuint)i);
            }
        }

        for (; i < n; i++)
            Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i) / 255f;
    }
}
