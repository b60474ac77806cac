// Forward product C = X·Wᵀ (+ C) for small batches on 256-bit vectors (AVX2 + FMA), W unpacked.
// X: m×k, W: n×k, C: m×n, all row-major. The AVX2 twin of ForwardSmallBatchVector512, for the
// same reason (at small m, packing W costs as much traffic as the product): X is packed into
// 16-row panels (kc steps × 16 floats) and the micro-kernel computes a 6×16 tile of Cᵀ,
// broadcasting W[j, p] straight from 6 rows of W against two ymm vectors of the X panel:
// 12 accumulators + 2 operands + 1 broadcast fill the 16 ymm registers, 12 FMAs per step.
// The tile is written transposed one float at a time (6×16 is not a register-transpose shape;
// that costs about a tenth of the FMA time at kc ≈ 200). Gemm takes it for the shapes
// ForwardSmallBatchVector512.Suits accepts. Tails: X panel rows past m are zero
// padding; W rows past n are clamped to the last valid row, read but never stored.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal static class ForwardSmallBatchVector256
{
    private const int PanelRows = 16;
    private const int TileColumns = 6;

    /// <summary>c (+)= x·wᵀ; x: m×k, w: n×k, c: m×n; m, n, k positive.</summary>
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> c, int m, int n, int k, bool accumulate)
    {
        var workspace = GemmWorkspace.Current;
        Span<float> panel = workspace.PackedB;
        Span<float> tile = workspace.Tile;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float wRef = ref MemoryMarshal.GetReference(w);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        int kcStep = GemmBlocking.KcFor(k);
        for (int i0 = 0; i0 < m; i0 += PanelRows)
        {
            int rows = Math.Min(PanelRows, m - i0);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool load = accumulate || pc > 0;
                PanelPacker.Pack(ref Unsafe.Add(ref xRef, ((nint)i0 * k) + pc), k, 1, panel, rows, kc, PanelRows);
                for (int j0 = 0; j0 < n; j0 += TileColumns)
                {
                    int cols = Math.Min(TileColumns, n - j0);
                    ComputeTransposedTile(ref Unsafe.Add(ref wRef, ((nint)j0 * k) + pc), k, cols, ref MemoryMarshal.GetReference(panel), kc, tile);
                    WriteTransposed(tile, ref Unsafe.Add(ref cRef, ((nint)i0 * n) + j0), n, rows, cols, load);
                }
            }
        }
    }

    // tile[r·16 + i] = Σ_p w[r·ldw + p] · panel[p·16 + i] for r < 6, i < 16.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTransposedTile(ref float w, nint ldw, int wRows, ref float panel, int kc, Span<float> tile)
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

        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t);
        c01.StoreUnsafe(ref t, 8);
        c10.StoreUnsafe(ref t, 16);
        c11.StoreUnsafe(ref t, 24);
        c20.StoreUnsafe(ref t, 32);
        c21.StoreUnsafe(ref t, 40);
        c30.StoreUnsafe(ref t, 48);
        c31.StoreUnsafe(ref t, 56);
        c40.StoreUnsafe(ref t, 64);
        c41.StoreUnsafe(ref t, 72);
        c50.StoreUnsafe(ref t, 80);
        c51.StoreUnsafe(ref t, 88);
    }

    // c[i·ldc + r] (+)= tile[r·16 + i] for i < rows, r < cols.
    private static void WriteTransposed(Span<float> tile, ref float c, int ldc, int rows, int cols, bool load)
    {
        ref float t = ref MemoryMarshal.GetReference(tile);
        for (int i = 0; i < rows; i++)
        {
            ref float cRow = ref Unsafe.Add(ref c, (nint)i * ldc);
            for (int r = 0; r < cols; r++)
            {
                float value = Unsafe.Add(ref t, (r * PanelRows) + i);
                Unsafe.Add(ref cRow, r) = load ? Unsafe.Add(ref cRow, r) + value : value;
            }
        }
    }
}
