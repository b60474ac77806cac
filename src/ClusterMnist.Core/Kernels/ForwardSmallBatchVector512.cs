// Forward product C = X·Wᵀ (+ C) for small batches on 512-bit vectors, with W left unpacked.
// X: m×k, W: n×k, C: m×n, all row-major. With few rows of X the general driver spends most of its
// memory traffic packing W (read, written transposed, read again) for only m uses of each weight.
// Here the roles swap: X is packed into 32-row panels (kc steps × 32 floats) and the micro-kernel
// computes an 8×32 tile of Cᵀ, broadcasting W[j, p] straight from 8 rows of W (each streamed once
// per 32 rows of X) against two vectors of the X panel: 16 register accumulators, 16 FMAs per step.
// The tile is transposed on the way out (8×8 register transposes for full tiles, scalar at edges).
// Tails: X panel rows past m are zero padding; W rows past n are clamped to the last valid row,
// read but never stored. Summation order depends only on k, as in GemmDriver.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class ForwardSmallBatchVector512
{
    /// <summary>
    /// Batches up to this many rows take this kernel; larger ones amortise packing W in GemmDriver.
    /// Measured with the benchmarks probe: at 32–160 rows this kernel is ahead, at 256 the two are even.
    /// </summary>
    public const int MaxRows = 128;

    private const int PanelRows = 32;
    private const int TileColumns = 8;

    /// <summary>
    /// True when this kernel beats the packed driver: few rows of X, or fewer outputs than one
    /// 32-wide packed panel (which would leave most of its lanes as padding, while W is tiny).
    /// </summary>
    public static bool Suits(int m, int n) => m <= MaxRows || n < 32;

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
        // k blocks outermost: one block of W (n rows × kc) serves every 32-row panel of a group of shards from L2. Each
        // element still sums its k blocks in ascending order, so the order of the loops does not change a bit.
        for (int pc = 0; pc < k; pc += kcStep)
        {
            int kc = Math.Min(kcStep, k - pc);
            bool load = accumulate || pc > 0;
            for (int i0 = 0; i0 < m; i0 += PanelRows)
            {
                int rows = Math.Min(PanelRows, m - i0);
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

    // tile[r·32 + i] = Σ_p w[r·ldw + p] · panel[p·32 + i] for r < 8, i < 32.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ComputeTransposedTile(ref float w, nint ldw, int wRows, ref float panel, int kc, Span<float> tile)
    {
        nint o1 = Math.Min(1, wRows - 1) * ldw;
        nint o2 = Math.Min(2, wRows - 1) * ldw;
        nint o3 = Math.Min(3, wRows - 1) * ldw;
        nint o4 = Math.Min(4, wRows - 1) * ldw;
        nint o5 = Math.Min(5, wRows - 1) * ldw;
        nint o6 = Math.Min(6, wRows - 1) * ldw;
        nint o7 = Math.Min(7, wRows - 1) * ldw;
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = c01 = Vector512<float>.Zero;
        c10 = c11 = Vector512<float>.Zero;
        c20 = c21 = Vector512<float>.Zero;
        c30 = c31 = Vector512<float>.Zero;
        c40 = c41 = Vector512<float>.Zero;
        c50 = c51 = Vector512<float>.Zero;
        c60 = c61 = Vector512<float>.Zero;
        c70 = c71 = Vector512<float>.Zero;
        for (int p = 0; p < kc; p++)
        {
            var x0 = Vector512.LoadUnsafe(ref panel);
            var x1 = Vector512.LoadUnsafe(ref panel, 16);
            var w0 = Vector512.Create(w);
            c00 = Vector512.FusedMultiplyAdd(w0, x0, c00);
            c01 = Vector512.FusedMultiplyAdd(w0, x1, c01);
            var w1 = Vector512.Create(Unsafe.Add(ref w, o1));
            c10 = Vector512.FusedMultiplyAdd(w1, x0, c10);
            c11 = Vector512.FusedMultiplyAdd(w1, x1, c11);
            var w2 = Vector512.Create(Unsafe.Add(ref w, o2));
            c20 = Vector512.FusedMultiplyAdd(w2, x0, c20);
            c21 = Vector512.FusedMultiplyAdd(w2, x1, c21);
            var w3 = Vector512.Create(Unsafe.Add(ref w, o3));
            c30 = Vector512.FusedMultiplyAdd(w3, x0, c30);
            c31 = Vector512.FusedMultiplyAdd(w3, x1, c31);
            var w4 = Vector512.Create(Unsafe.Add(ref w, o4));
            c40 = Vector512.FusedMultiplyAdd(w4, x0, c40);
            c41 = Vector512.FusedMultiplyAdd(w4, x1, c41);
            var w5 = Vector512.Create(Unsafe.Add(ref w, o5));
            c50 = Vector512.FusedMultiplyAdd(w5, x0, c50);
            c51 = Vector512.FusedMultiplyAdd(w5, x1, c51);
            var w6 = Vector512.Create(Unsafe.Add(ref w, o6));
            c60 = Vector512.FusedMultiplyAdd(w6, x0, c60);
            c61 = Vector512.FusedMultiplyAdd(w6, x1, c61);
            var w7 = Vector512.Create(Unsafe.Add(ref w, o7));
            c70 = Vector512.FusedMultiplyAdd(w7, x0, c70);
            c71 = Vector512.FusedMultiplyAdd(w7, x1, c71);
            w = ref Unsafe.Add(ref w, 1);
            panel = ref Unsafe.Add(ref panel, PanelRows);
        }

        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t);
        c01.StoreUnsafe(ref t, 16);
        c10.StoreUnsafe(ref t, 32);
        c11.StoreUnsafe(ref t, 48);
        c20.StoreUnsafe(ref t, 64);
        c21.StoreUnsafe(ref t, 80);
        c30.StoreUnsafe(ref t, 96);
        c31.StoreUnsafe(ref t, 112);
        c40.StoreUnsafe(ref t, 128);
        c41.StoreUnsafe(ref t, 144);
        c50.StoreUnsafe(ref t, 160);
        c51.StoreUnsafe(ref t, 176);
        c60.StoreUnsafe(ref t, 192);
        c61.StoreUnsafe(ref t, 208);
        c70.StoreUnsafe(ref t, 224);
        c71.StoreUnsafe(ref t, 240);
    }

    // c[i·ldc + r] (+)= tile[r·32 + i] for i < rows, r < cols.
    private static void WriteTransposed(Span<float> tile, ref float c, int ldc, int rows, int cols, bool load)
    {
        ref float t = ref MemoryMarshal.GetReference(tile);
        if (rows == PanelRows && cols == TileColumns && Avx.IsSupported)
        {
            for (int q = 0; q < PanelRows; q += 8)
            {
                RegisterTranspose.Transpose8x8(ref Unsafe.Add(ref t, q), PanelRows, ref Unsafe.Add(ref c, (nint)q * ldc), ldc, load);
            }

            return;
        }

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
