// The fused kernel of QuantizedGemm on 256-bit vectors (AVX2 + FMA): a 6×16 tile of sums (+)= Σ_b round(s·a_bᵀ·b_b).
// Each row block's float tile is the FMA chain MicroKernel6x16Vector256 computes (from zero, the block's rows in
// ascending order), so the integers are those of the unfused reference. a (k×m) is packed once per chunk of rows into
// 6-wide panels, b (k×n) one 16-wide panel at a time (16 KB at 256 rows, so it stays in L1 while every row tile of
// the chunk reads it). Why: without it, AVX2 machines computed each block's weight gradient into a float scratch
// matrix and quantized it in a second, memory-bound pass over every weight (measured 7 % of a training step at
// batch 256 on 784-256-128-10). Here the 12 float accumulators go through the epilogue in registers: scale, round
// to int32 with vcvtps2dq (round to nearest even, the default rounding mode), add into the sums tile.
// Tiles at the bottom and right edges go through an int32 scratch tile. The tile is never inlined, so that its
// caller's locals cannot push the accumulators out of the 16 ymm registers.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class QuantizedGemmVector256
{
    private const int Mr = 6;
    private const int Nr = 16;

    /// <summary>Most rows (whole blocks, at least one) packed and multiplied at a time.</summary>
    private const int ChunkRows = 256;

    [ThreadStatic]
    private static float[]? _packedA;

    [ThreadStatic]
    private static float[]? _packedB;

    [ThreadStatic]
    private static int[]? _edge;

    /// <summary>See <see cref="QuantizedGemm.MultiplyTransposedA"/>; m, n, k positive.</summary>
    public static int Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<int> blockRows, float scale, Span<int> sums, int m, int n, bool overwrite)
    {
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref int sRef = ref MemoryMarshal.GetReference(sums);
        var vScale = Vector256.Create(scale);
        var maxBits = Vector256<int>.Zero;
        ref int edgeRef = ref MemoryMarshal.GetReference(LineAlignedScratch.Grow(ref _edge, Mr * Nr));
        int panels = (m + Mr - 1) / Mr;

        for (int first = 0, row = 0; first < blockRows.Length;)
        {
            int last = first, k = 0;
            while (last < blockRows.Length && (k == 0 || k + blockRows[last] <= ChunkRows))
                k += blockRows[last++];
            var blocks = blockRows[first..last];
            bool replace = overwrite && first == 0;

            var packedA = LineAlignedScratch.Grow(ref _packedA, panels * Mr * k);
            PanelPacker.Pack(ref Unsafe.Add(ref aRef, (nint)row * m), rowStride: 1, stepStride: m, packedA, m, k, Mr);
            ref float packedARef = ref MemoryMarshal.GetReference(packedA);
            var packedB = LineAlignedScratch.Grow(ref _packedB, Nr * k);
            ref float bPanel = ref MemoryMarshal.GetReference(packedB);
            for (int j0 = 0; j0 < n; j0 += Nr)
            {
                int cols = Math.Min(Nr, n - j0);
                PackB(ref Unsafe.Add(ref bRef, ((nint)row * n) + j0), n, cols, k, packedB);
                for (int i0 = 0; i0 < m; i0 += Mr)
                {
                    int rows = Math.Min(Mr, m - i0);
                    ref float aPanel = ref Unsafe.Add(ref packedARef, (nint)i0 * k);
                    ref int sumsTile = ref Unsafe.Add(ref sRef, ((nint)i0 * n) + j0);
                    if (rows == Mr && cols == Nr)
                    {
                        maxBits = Tile(ref aPanel, ref bPanel, blocks, vScale, ref sumsTile, n, replace, maxBits);
                        continue;
                    }

                    // Padded rows and columns compute zeros, which stay in the scratch tile.
                    maxBits = Tile(ref aPanel, ref bPanel, blocks, vScale, ref edgeRef, Nr, replace: true, maxBits);
                    for (int r = 0; r < rows; r++)
                    {
                        var from = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref edgeRef, r * Nr), cols);
                        var to = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref sumsTile, (nint)r * n), cols);
                        for (int c = 0; c < cols; c++)
                            to[c] = replace ? from[c] : to[c] + from[c];
                    }
                }
            }

            first = last;
            row += k;
        }

        int max = 0;
        for (int lane = 0; lane < Vector256<int>.Count; lane++)
            max = Math.Max(max, maxBits.GetElement(lane));
        return max;
    }

    // One 6×16 tile over every row block (a: 6 floats per step, b: 16): the block's FMA chain from zero, then the
    // quantizing epilogue into the sums tile c (row stride ldc); with replace, the first block's integers replace c.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<int> Tile(
        ref float a, ref float b, ReadOnlySpan<int> blockRows, Vector256<float> vScale, ref int c, nint ldc, bool replace, Vector256<int> maxBits)
    {
        foreach (int blockLength in blockRows)
        {
            Vector256<float> c00 = Vector256<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
            Vector256<float> c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
            for (int p = 0; p < blockLength; p++)
            {
                var b0 = Vector256.LoadUnsafe(ref b, 0);
                var b1 = Vector256.LoadUnsafe(ref b, 8);
                var a0 = Vector256.Create(Unsafe.Add(ref a, 0));
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector256.Create(Unsafe.Add(ref a, 1));
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector256.Create(Unsafe.Add(ref a, 2));
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector256.Create(Unsafe.Add(ref a, 3));
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector256.Create(Unsafe.Add(ref a, 4));
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector256.Create(Unsafe.Add(ref a, 5));
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
                a = ref Unsafe.Add(ref a, Mr);
                b = ref Unsafe.Add(ref b, Nr);
            }

            maxBits = Put(c00, vScale, ref c, replace, maxBits);
            maxBits = Put(c01, vScale, ref Unsafe.Add(ref c, 8), replace, maxBits);
            maxBits = Put(c10, vScale, ref Unsafe.Add(ref c, ldc), replace, maxBits);
            maxBits = Put(c11, vScale, ref Unsafe.Add(ref c, ldc + 8), replace, maxBits);
            maxBits = Put(c20, vScale, ref Unsafe.Add(ref c, 2 * ldc), replace, maxBits);
            maxBits = Put(c21, vScale, ref Unsafe.Add(ref c, (2 * ldc) + 8), replace, maxBits);
            maxBits = Put(c30, vScale, ref Unsafe.Add(ref c, 3 * ldc), replace, maxBits);
            maxBits = Put(c31, vScale, ref Unsafe.Add(ref c, (3 * ldc) + 8), replace, maxBits);
            maxBits = Put(c40, vScale, ref Unsafe.Add(ref c, 4 * ldc), replace, maxBits);
            maxBits = Put(c41, vScale, ref Unsafe.Add(ref c, (4 * ldc) + 8), replace, maxBits);
            maxBits = Put(c50, vScale, ref Unsafe.Add(ref c, 5 * ldc), replace, maxBits);
            maxBits = Put(c51, vScale, ref Unsafe.Add(ref c, (5 * ldc) + 8), replace, maxBits);
            replace = false;
        }

        return maxBits;
    }

    // q = round-to-nearest-even(acc·scale) (vcvtps2dq under the default rounding mode), stored or added; the max of |acc|'s bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Put(Vector256<float> acc, Vector256<float> vScale, ref int destination, bool replace, Vector256<int> maxBits)
    {
        var q = Avx.ConvertToVector256Int32(acc * vScale);
        if (!replace)
            q += Vector256.LoadUnsafe(ref destination);
        q.StoreUnsafe(ref destination);
        return Vector256.Max(maxBits, acc.AsInt32() & Vector256.Create(int.MaxValue));
    }

    // panel[16p + c] = b[p·n + c] for c < cols, zero for cols ≤ c < 16.
    private static void PackB(ref float b, int n, int cols, int k, Span<float> panel)
    {
        if (cols < Nr)
        {
            PanelPacker.Pack(ref b, rowStride: 1, stepStride: n, panel, cols, k, Nr);
            return;
        }

        ref float to = ref MemoryMarshal.GetReference(panel);
        for (int p = 0; p < k; p++)
        {
            ref float from = ref Unsafe.Add(ref b, (nint)p * n);
            Vector256.LoadUnsafe(ref from).StoreUnsafe(ref to, (nuint)(p * Nr));
            Vector256.LoadUnsafe(ref from, 8).StoreUnsafe(ref to, (nuint)((p * Nr) + 8));
        }
    }
}
