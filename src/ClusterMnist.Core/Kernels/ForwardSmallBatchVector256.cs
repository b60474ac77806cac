// Forward product C = X·Wᵀ (+ C) for small batches on 256-bit vectors (AVX2 + FMA), W unpacked.
// X: m×k, W: n×k, C: m×n, all row-major. The AVX2 twin of ForwardSmallBatchVector512, for the
// same reason (at small m, packing W costs as much traffic as the product): X is packed into
// 16-row panels (kc steps × 16 floats) and the micro-kernel computes a 6×16 tile of Cᵀ,
// broadcasting W[j, p] straight from 6 rows of W against two ymm vectors of the X panel:
// 12 accumulators + 2 operands + 1 broadcast fill the 16 ymm registers, 12 FMAs per step.
// A panel's k blocks are summed in a Cᵀ scratch (n × 16 floats, each tile's rows contiguous, so
// the sum is 12 vector adds), and only the finished panel is transposed into C, with 8×8 register
// transposes. Why: 6×16 is not a register-transpose shape, and writing every block's tile into C
// one float at a time took 3–4 % of a training step at batch 256 on 784-256-128-10. The
// arithmetic is the same as adding each block's tile into C (the first block's tile stored, or
// added to C's own values when accumulating), so the bits are too. Gemm takes it for the shapes
// ForwardSmallBatchVector512.Suits accepts. Tails: X panel rows past m are zero padding; W rows
// past n are clamped to the last valid row, computed into scratch rows that are never written out.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal static class ForwardSmallBatchVector256
{
    private const int PanelRows = 16;
    private const int TileColumns = 6;

    [ThreadStatic]
    private static float[]? _sums;

    /// <summary>c (+)= x·wᵀ; x: m×k, w: n×k, c: m×n; m, n, k positive.</summary>
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> c, int m, int n, int k, bool accumulate)
    {
        Span<float> panel = GemmWorkspace.Current.PackedB;
        int tiles = (n + TileColumns - 1) / TileColumns;
        if (_sums is null || _sums.Length < tiles * TileColumns * PanelRows)
            _sums = new float[tiles * TileColumns * PanelRows];
        ref float sums = ref MemoryMarshal.GetArrayDataReference(_sums);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float wRef = ref MemoryMarshal.GetReference(w);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        int kcStep = GemmBlocking.KcFor(k);
        for (int i0 = 0; i0 < m; i0 += PanelRows)
        {
            int rows = Math.Min(PanelRows, m - i0);
            ref float cPanel = ref Unsafe.Add(ref cRef, (nint)i0 * n);
            if (accumulate)
                Transpose(ref cPanel, n, ref sums, PanelRows, rows, n);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool add = accumulate || pc > 0;
                PanelPacker.Pack(ref Unsafe.Add(ref xRef, ((nint)i0 * k) + pc), k, 1, panel, rows, kc, PanelRows);
                for (int j0 = 0; j0 < n; j0 += TileColumns)
                {
                    int cols = Math.Min(TileColumns, n - j0);
                    ComputeTransposedTile(
                        ref Unsafe.Add(ref wRef, ((nint)j0 * k) + pc), k, cols, ref MemoryMarshal.GetReference(panel), kc, ref Unsafe.Add(ref sums, (nint)j0 * PanelRows), add);
                }
            }

            WritePanel(ref sums, ref cPanel, n, rows);
        }
    }

    // sums[r·16 + i] (+)= Σ_p w[r·ldw + p] · panel[p·16 + i] for r < 6, i < 16.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTransposedTile(ref float w, nint ldw, int wRows, ref float panel, int kc, ref float sums, bool add)
    {
        nint o1 = Math.Min(1, wRows - 1) * ldw;
        nint o2 = Math.Min(2, wRows - 1) * ldw;
        nint o3 = Math.Min(3, wRows - 1) * ldw;
        nint o4 = Math.Min(4, wRows - 1) * ldw;
        nint o5 = Math.Min(5, wRows - 1) * ldw;
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        c00 = c01 = Vector256<float>.Zero;
        c10 = c11 = Vector256<float>.Zero;
        c20 = c21 = Vector256<float>.Zero;
        c30 = c31 = Vector256<float>.Zero;
        c40 = c41 = Vector256<float>.Zero;
        c50 = c51 = Vector256<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var x0 = Vector256.LoadUnsafe(ref panel);
            var x1 = Vector256.LoadUnsafe(ref panel, 8);
            var w0 = Vector256.Create(w);
            c00 = Vector256.FusedMultiplyAdd(w0, x0, c00);
            c01 = Vector256.FusedMultiplyAdd(w0, x1, c01);
            var w1 = Vector256.Create(Unsafe.Add(ref w, o1));
            c10 = Vector256.FusedMultiplyAdd(w1, x0, c10);
            c11 = Vector256.FusedMultiplyAdd(w1, x1, c11);
            var w2 = Vector256.Create(Unsafe.Add(ref w, o2));
            c20 = Vector256.FusedMultiplyAdd(w2, x0, c20);
            c21 = Vector256.FusedMultiplyAdd(w2, x1, c21);
            var w3 = Vector256.Create(Unsafe.Add(ref w, o3));
            c30 = Vector256.FusedMultiplyAdd(w3, x0, c30);
            c31 = Vector256.FusedMultiplyAdd(w3, x1, c31);
            var w4 = Vector256.Create(Unsafe.Add(ref w, o4));
            c40 = Vector256.FusedMultiplyAdd(w4, x0, c40);
            c41 = Vector256.FusedMultiplyAdd(w4, x1, c41);
            var w5 = Vector256.Create(Unsafe.Add(ref w, o5));
            c50 = Vector256.FusedMultiplyAdd(w5, x0, c50);
            c51 = Vector256.FusedMultiplyAdd(w5, x1, c51);
            w = ref Unsafe.Add(ref w, 1);
            panel = ref Unsafe.Add(ref panel, PanelRows);
        }

        Put(c00, ref sums, 0, add);
        Put(c01, ref sums, 8, add);
        Put(c10, ref sums, 16, add);
        Put(c11, ref sums, 24, add);
        Put(c20, ref sums, 32, add);
        Put(c21, ref sums, 40, add);
        Put(c30, ref sums, 48, add);
        Put(c31, ref sums, 56, add);
        Put(c40, ref sums, 64, add);
        Put(c41, ref sums, 72, add);
        Put(c50, ref sums, 80, add);
        Put(c51, ref sums, 88, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector256<float> tile, ref float sums, nuint at, bool add) =>
        (add ? Vector256.LoadUnsafe(ref sums, at) + tile : tile).StoreUnsafe(ref sums, at);

    // c[i·ldc + j] = sums[j·16 + i] for i < rows, j < n: whole 8×8 blocks through registers (this kernel runs only
    // where AVX2 and FMA do), the rest one at a time.
    private static void WritePanel(ref float sums, ref float c, int ldc, int rows)
    {
        int fullRows = rows & ~7, fullColumns = ldc & ~7;
        for (int i = 0; i < fullRows; i += 8)
        {
            for (int j = 0; j < fullColumns; j += 8)
                RegisterTranspose.Transpose8x8(ref Unsafe.Add(ref sums, (j * PanelRows) + i), PanelRows, ref Unsafe.Add(ref c, ((nint)i * ldc) + j), ldc);
        }

        Transpose(ref Unsafe.Add(ref sums, fullRows), PanelRows, ref Unsafe.Add(ref c, (nint)fullRows * ldc), ldc, ldc, rows - fullRows);
        for (int i = 0; i < fullRows; i += 8)
            Transpose(ref Unsafe.Add(ref sums, (fullColumns * PanelRows) + i), PanelRows, ref Unsafe.Add(ref c, ((nint)i * ldc) + fullColumns), ldc, ldc - fullColumns, 8);
    }

    // to[q·toStride + p] = from[p·fromStride + q] for p < count, q < length.
    private static void Transpose(ref float from, int fromStride, ref float to, int toStride, int count, int length)
    {
        for (int p = 0; p < count; p++)
        {
            for (int q = 0; q < length; q++)
                Unsafe.Add(ref to, ((nint)q * toStride) + p) = Unsafe.Add(ref from, ((nint)p * fromStride) + q);
        }
    }
}
