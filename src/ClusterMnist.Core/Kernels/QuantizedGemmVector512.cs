// The fused kernel of QuantizedGemm on 512-bit vectors (AVX-512F): an 8×32 tile of sums (+)= Σ_b round(s·a_bᵀ·b_b).
// a: k×m is packed once per chunk of rows into 8-wide panels (k steps × 8 floats each, the last zero-padded), b: k×n one
// 32-wide panel at a time (k steps × 32 floats, the last zero-padded), each reused by every row tile; both buffers
// start on a 64-byte line, so no zmm load splits across two lines (measured +5 % on the 256×784 weight gradient).
// Read in place, a panel's k rows would lie m (or n) floats apart, and at a multiple of 256 floats they fall into a
// few L1 sets and evict each other. Tiles at the bottom and right edges go through an int32 scratch tile.
// Why fast: per row block the 16 float accumulators (8 rows × 2 zmm) stay in registers for the block's FMA chain
// exactly as in MicroKernel8x32Vector512; the epilogue scales them, rounds them to int32 with one vcvtps2dq (round to
// nearest even, the default rounding mode) and adds them into the sums tile, which stays in L1 from one block to the
// next; the max-abs is an integer max of the sign-cleared bits. The kernel is never inlined: inlined into its caller
// by tiered compilation, its accumulators were spilled and the 128×256 weight gradient ran at 0.25 of the peak
// instead of 0.70.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class QuantizedGemmVector512
{
    private const int Mr = 8;
    private const int Nr = 32;

    /// <summary>Most rows (whole blocks, at least one) packed and multiplied at a time.</summary>
    private const int ChunkRows = 256;

    [ThreadStatic]
    private static float[]? _packedA;

    [ThreadStatic]
    private static float[]? _packedB;

    [ThreadStatic]
    private static int[]? _tile;

    /// <summary>See <see cref="QuantizedGemm.MultiplyTransposedA"/>; m, n, k positive.</summary>
    public static int Run(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<int> blockRows, float scale, Span<int> sums, int m, int n, bool overwrite)
    {
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref int sRef = ref MemoryMarshal.GetReference(sums);
        var vScale = Vector512.Create(scale);
        var maxBits = Vector512<int>.Zero;
        ref int tileRef = ref MemoryMarshal.GetReference(LineAlignedScratch.Grow(ref _tile, Mr * Nr));

        // The rows go in chunks of whole blocks, so that a packed 32-wide panel of b (and an 8-wide one of a) stays in L1
        // while every row tile reads it.
        for (int first = 0, row = 0; first < blockRows.Length;)
        {
            int last = first, k = 0;
            while (last < blockRows.Length && (k == 0 || k + blockRows[last] <= ChunkRows))
                k += blockRows[last++];
            var blocks = blockRows[first..last];
            bool replace = overwrite && first == 0;

            int panels = (m + Mr - 1) / Mr;
            var packedA = LineAlignedScratch.Grow(ref _packedA, panels * k * Mr);
            PackA(ref Unsafe.Add(ref aRef, (nint)row * m), m, k, packedA);
            ref float packedRef = ref MemoryMarshal.GetReference(packedA);
            var packedB = LineAlignedScratch.Grow(ref _packedB, k * Nr);
            ref float bPanel = ref MemoryMarshal.GetReference(packedB);
            const int bStep = Nr;
            for (int j0 = 0; j0 < n; j0 += Nr)
            {
                int cols = Math.Min(Nr, n - j0);
                PackB(ref Unsafe.Add(ref bRef, ((nint)row * n) + j0), n, cols, k, packedB);
                for (int i0 = 0; i0 < m; i0 += Mr)
                {
                    int rows = Math.Min(Mr, m - i0);
                    ref float aPanel = ref Unsafe.Add(ref packedRef, (nint)i0 * k);
                    const int aStep = Mr;
                    ref int sumsTile = ref Unsafe.Add(ref sRef, ((nint)i0 * n) + j0);
                    if (rows == Mr && cols == Nr)
                    {
                        maxBits = Tile(ref aPanel, aStep, ref bPanel, bStep, blocks, vScale, ref sumsTile, n, replace, maxBits);
                        continue;
                    }

                    // Edge tile: the padded lanes compute zeros, which stay in the scratch tile.
                    maxBits = Tile(ref aPanel, aStep, ref bPanel, bStep, blocks, vScale, ref tileRef, Nr, replace: true, maxBits);
                    for (int r = 0; r < rows; r++)
                    {
                        for (int c = 0; c < cols; c++)
                        {
                            int q = Unsafe.Add(ref tileRef, (r * Nr) + c);
                            ref int sum = ref Unsafe.Add(ref sumsTile, ((nint)r * n) + c);
                            sum = replace ? q : sum + q;
                        }
                    }
                }
            }

            first = last;
            row += k;
        }

        return HorizontalMax(maxBits);
    }

    // One 8×32 tile over every row block: the block's FMA chain from zero, then the quantizing epilogue into the sums
    // tile c (row stride ldc); with replace, the first block's integers replace what c held.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<int> Tile(
        ref float a, nint aStep, ref float b, nint bStep, ReadOnlySpan<int> blockRows, Vector512<float> vScale, ref int c, nint ldc, bool replace,
        Vector512<int> maxBits)
    {
        foreach (int blockLength in blockRows)
        {
            Vector512<float> c00 = Vector512<float>.Zero, c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            Vector512<float> c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            for (int p = 0; p < blockLength; p++)
            {
                var b0 = Vector512.LoadUnsafe(ref b, 0);
                var b1 = Vector512.LoadUnsafe(ref b, 16);
                var a0 = Vector512.Create(Unsafe.Add(ref a, 0));
                c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
                var a1 = Vector512.Create(Unsafe.Add(ref a, 1));
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
                var a2 = Vector512.Create(Unsafe.Add(ref a, 2));
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
                var a3 = Vector512.Create(Unsafe.Add(ref a, 3));
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
                var a4 = Vector512.Create(Unsafe.Add(ref a, 4));
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
                var a5 = Vector512.Create(Unsafe.Add(ref a, 5));
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
                var a6 = Vector512.Create(Unsafe.Add(ref a, 6));
                c60 = Vector512.FusedMultiplyAdd(a6, b0, c60);
                c61 = Vector512.FusedMultiplyAdd(a6, b1, c61);
                var a7 = Vector512.Create(Unsafe.Add(ref a, 7));
                c70 = Vector512.FusedMultiplyAdd(a7, b0, c70);
                c71 = Vector512.FusedMultiplyAdd(a7, b1, c71);
                a = ref Unsafe.Add(ref a, aStep);
                b = ref Unsafe.Add(ref b, bStep);
            }

            maxBits = Put(c00, vScale, ref c, replace, maxBits);
            maxBits = Put(c01, vScale, ref Unsafe.Add(ref c, 16), replace, maxBits);
            maxBits = Put(c10, vScale, ref Unsafe.Add(ref c, ldc), replace, maxBits);
            maxBits = Put(c11, vScale, ref Unsafe.Add(ref c, ldc + 16), replace, maxBits);
            maxBits = Put(c20, vScale, ref Unsafe.Add(ref c, 2 * ldc), replace, maxBits);
            maxBits = Put(c21, vScale, ref Unsafe.Add(ref c, (2 * ldc) + 16), replace, maxBits);
            maxBits = Put(c30, vScale, ref Unsafe.Add(ref c, 3 * ldc), replace, maxBits);
            maxBits = Put(c31, vScale, ref Unsafe.Add(ref c, (3 * ldc) + 16), replace, maxBits);
            maxBits = Put(c40, vScale, ref Unsafe.Add(ref c, 4 * ldc), replace, maxBits);
            maxBits = Put(c41, vScale, ref Unsafe.Add(ref c, (4 * ldc) + 16), replace, maxBits);
            maxBits = Put(c50, vScale, ref Unsafe.Add(ref c, 5 * ldc), replace, maxBits);
            maxBits = Put(c51, vScale, ref Unsafe.Add(ref c, (5 * ldc) + 16), replace, maxBits);
            maxBits = Put(c60, vScale, ref Unsafe.Add(ref c, 6 * ldc), replace, maxBits);
            maxBits = Put(c61, vScale, ref Unsafe.Add(ref c, (6 * ldc) + 16), replace, maxBits);
            maxBits = Put(c70, vScale, ref Unsafe.Add(ref c, 7 * ldc), replace, maxBits);
            maxBits = Put(c71, vScale, ref Unsafe.Add(ref c, (7 * ldc) + 16), replace, maxBits);
            replace = false;
        }

        return maxBits;
    }

    // q = round-to-nearest-even(acc·scale) (vcvtps2dq under the default rounding mode), stored or added; the max of |acc|'s bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Put(Vector512<float> acc, Vector512<float> vScale, ref int destination, bool replace, Vector512<int> maxBits)
    {
        var q = Avx512F.ConvertToVector512Int32(acc * vScale);
        if (!replace)
            q += Vector512.LoadUnsafe(ref destination);
        q.StoreUnsafe(ref destination);
        return Vector512.Max(maxBits, acc.AsInt32() & Vector512.Create(int.MaxValue));
    }

    // Panel q of the packed a holds a[p, 8q + r] at q·8k + 8p + r; lanes past m are zero.
    private static void PackA(ref float a, int m, int k, Span<float> packed)
    {
        int fullRows = m - (m % Mr);
        ref float to = ref MemoryMarshal.GetReference(packed);
        for (int p = 0; p < k; p++)
        {
            ref float row = ref Unsafe.Add(ref a, (nint)p * m);
            for (int i0 = 0; i0 < fullRows; i0 += Mr)
                Vector256.LoadUnsafe(ref row, (nuint)i0).StoreUnsafe(ref Unsafe.Add(ref to, ((nint)i0 * k) + (p * Mr)));
        }

        if (fullRows < m)
            PanelPacker.Pack(ref Unsafe.Add(ref a, fullRows), rowStride: 1, stepStride: m, packed.Slice(fullRows * k, k * Mr), m - fullRows, k, Mr);
    }

    // panel[32p + c] = b[p·n + c] for c < cols, zero for cols ≤ c < 32.
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
            ref float row = ref Unsafe.Add(ref b, (nint)p * n);
            Vector512.LoadUnsafe(ref row).StoreUnsafe(ref to, (nuint)(p * Nr));
            Vector512.LoadUnsafe(ref row, 16).StoreUnsafe(ref to, (nuint)((p * Nr) + 16));
        }
    }

    private static int HorizontalMax(Vector512<int> values)
    {
        int max = 0;
        for (int lane = 0; lane < Vector512<int>.Count; lane++)
            max = Math.Max(max, values.GetElement(lane));
        return max;
    }
}
