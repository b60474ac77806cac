// Weight gradients quantized in the product's epilogue: for consecutive row blocks b of a (k×m) and b (k×n),
// sums (m×n int32, row-major) (+)= Σ_b round(scale · a_bᵀ·b_b), rounding to nearest even. Each block's float
// product is computed exactly as Gemm.MultiplyTransposedA computes it (one FMA chain per element over the block's
// rows in ascending order, starting from zero), so quantizing it here gives the integers that quantizing
// MultiplyTransposedA's output would. Why: a data-parallel step quantizes every micro-shard's weight gradient
// into int32 sums; done as a separate pass, each shard writes its float gradient out and reads it back with the
// sums (a memory-bound pass over every weight per shard). Here the float tile never leaves registers and the sums
// tile stays in L1 across the blocks. Also returned: the largest |product element| as a bit pattern, whose integer
// maximum orders NaN above +∞ (so a NaN is never lost, whatever the order). Vector512 and Vector256 (AVX2 + FMA)
// run fused kernels; other machines take the reference: the GEMM into scratch, then a quantizing pass.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

/// <summary>Block-quantized weight-gradient products.</summary>
internal static class QuantizedGemm
{
    /// <summary>Bits of +∞; a max-abs bit pattern above it is a NaN.</summary>
    public const int InfinityBits = 0x7F800000;

    /// <summary>
    /// sums (+)= Σ_b round(scale·a_bᵀ·b_b) over the row blocks of <paramref name="blockRows"/> (Σ = k); a: k×m,
    /// b: k×n, sums: m×n. With <paramref name="overwrite"/> the first block's integers replace the sums. Returns
    /// the max-abs bit pattern of every block's product (see <see cref="MaxAbs"/>).
    /// </summary>
    public static int MultiplyTransposedA(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<int> blockRows, float scale, Span<int> sums, int m, int n, bool overwrite)
    {
        int k = Check(a.Length, b.Length, blockRows, sums.Length, m, n);
        if (m == 0 || n == 0 || blockRows.IsEmpty)
            return 0;
        if (GemmPaths.Default == GemmPath.Vector512 && k > 0)
            return QuantizedGemmVector512.Run(a, b, blockRows, scale, sums, m, n, overwrite);
        if (GemmPaths.Default == GemmPath.Vector256 && k > 0)
            return QuantizedGemmVector256.Run(a, b, blockRows, scale, sums, m, n, overwrite);
        return Reference(a, b, blockRows, scale, sums, m, n, overwrite);
    }

    /// <summary>
    /// The naive twin and the fallback: each block through <see cref="Gemm.MultiplyTransposedA"/> into scratch, then
    /// quantized. Bitwise what the fused kernel gives whenever no |scale·product| exceeds the int32 range.
    /// </summary>
    public static int Reference(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<int> blockRows, float scale, Span<int> sums, int m, int n, bool overwrite)
    {
        Check(a.Length, b.Length, blockRows, sums.Length, m, n);
        var product = Scratch(m * n);
        int maxBits = 0, row = 0;
        for (int block = 0; block < blockRows.Length; block++)
        {
            int rows = blockRows[block];
            Gemm.MultiplyTransposedA(a.Slice(row * m, rows * m), b.Slice(row * n, rows * n), product, m, n, rows);
            maxBits = Math.Max(maxBits, QuantizeInto(product, scale, sums[..(m * n)], overwrite && block == 0));
            row += rows;
        }

        return maxBits;
    }

    /// <summary>
    /// sums (+)= round(scale·values) element by element (the first write replaces when <paramref name="overwrite"/>);
    /// returns the max-abs bit pattern of <paramref name="values"/>.
    /// </summary>
    public static int QuantizeInto(ReadOnlySpan<float> values, float scale, Span<int> sums, bool overwrite)
    {
        if (sums.Length < values.Length)
            throw new ArgumentException($"sums holds {sums.Length} ints, fewer than {values.Length} values.", nameof(sums));
        ref float g = ref MemoryMarshal.GetReference(values);
        ref int s = ref MemoryMarshal.GetReference(sums);
        int count = values.Length, i = 0;
        var maxBits = Vector256<int>.Zero;
        if (Vector256.IsHardwareAccelerated)
        {
            var vScale = Vector256.Create(scale);
            var absMask = Vector256.Create(int.MaxValue);
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref g, (nuint)i);
                var q = Vector256.ConvertToInt32(Vector256.Round(v * vScale));
                (overwrite ? q : Vector256.LoadUnsafe(ref s, (nuint)i) + q).StoreUnsafe(ref s, (nuint)i);
                maxBits = Vector256.Max(maxBits, v.AsInt32() & absMask);
            }
        }

        int max = 0;
        for (int lane = 0; lane < Vector256<int>.Count; lane++)
            max = Math.Max(max, maxBits.GetElement(lane));
        for (; i < count; i++)
        {
            float v = Unsafe.Add(ref g, i);
            int q = (int)MathF.Round(v * scale);
            Unsafe.Add(ref s, i) = overwrite ? q : Unsafe.Add(ref s, i) + q;
            max = Math.Max(max, BitConverter.SingleToInt32Bits(v) & int.MaxValue);
        }

        return max;
    }

    /// <summary>The float a max-abs bit pattern stands for: NaN above +∞'s bits.</summary>
    public static float MaxAbs(int bits) => bits > InfinityBits ? float.NaN : BitConverter.Int32BitsToSingle(bits);

    private static int Check(int aLength, int bLength, ReadOnlySpan<int> blockRows, int sumsLength, int m, int n)
    {
        long k = 0;
        foreach (int rows in blockRows)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rows, nameof(blockRows));
            k += rows;
        }

        GemmShape.Check(aLength, bLength, int.MaxValue, m, n, (int)Math.Min(k, int.MaxValue));
        if ((long)m * n > sumsLength)
            throw new ArgumentException($"sums holds {sumsLength} ints, fewer than m×n = {m}×{n}.", "sums");
        return (int)k;
    }

    [ThreadStatic]
    private static float[]? _scratch;

    private static Span<float> Scratch(int length)
    {
        if (_scratch is null || _scratch.Length < length)
            _scratch = new float[length];
        return _scratch.AsSpan(0, length);
    }
}
