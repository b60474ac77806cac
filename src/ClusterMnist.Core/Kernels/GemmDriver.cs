// Cache-blocked, packed GEMM driver: C (+)= op(A)·op(B) for all three layer forms.
// a element (i, p) at a[i·aRowStride + p·aStepStride]; b element (p, j) at b[j·bColStride + p·bStepStride];
// c is m×n row-major. BLIS loop order: for each nc column block and kc depth block, pack B into
// Nr-wide panels; for each mc row block pack A into Mr-high panels; then run the micro-kernel on
// every Mr×Nr tile. Packing makes one micro-kernel serve X·Wᵀ, dY·W and dYᵀ·X alike, with
// unit-stride, cache-resident inputs. Summation order over k (blocks ascending, steps ascending
// inside) depends only on k, so the result is a pure function of the inputs and the shape.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ClusterMnist.Core.Kernels;

internal static class GemmDriver
{
    /// <summary>Runs the packed GEMM with kernel <typeparamref name="TKernel"/>; m, n, k are all positive here.</summary>
    public static void Run<TKernel>(
        ReadOnlySpan<float> a, nint aRowStride, nint aStepStride,
        ReadOnlySpan<float> b, nint bColStride, nint bStepStride,
        Span<float> c, int m, int n, int k, bool accumulate)
        where TKernel : struct, IMicroKernel
    {
        var workspace = GemmWorkspace.Current;
        Span<float> packedA = workspace.PackedA;
        Span<float> packedB = workspace.PackedB;
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        int kcStep = GemmBlocking.KcFor(k);

        for (int jc = 0; jc < n; jc += GemmBlocking.Nc)
        {
            int nc = Math.Min(GemmBlocking.Nc, n - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool load = accumulate || pc > 0;
                ref float bBlock = ref Unsafe.Add(ref bRef, (jc * bColStride) + (pc * bStepStride));
                PanelPacker.Pack(ref bBlock, bColStride, bStepStride, nc, kc, TKernel.Nr, packedB);

                for (int ic = 0; ic < m; ic += GemmBlocking.Mc)
                {
                    int mc = Math.Min(GemmBlocking.Mc, m - ic);
                    ref float aBlock = ref Unsafe.Add(ref aRef, (ic * aRowStride) + (pc * aStepStride));
                    PanelPacker.Pack(ref aBlock, aRowStride, aStepStride, mc, kc, TKernel.Mr, packedA);
                    ref float cBlock = ref Unsafe.Add(ref cRef, ((nint)ic * n) + jc);
                    RunBlock<TKernel>(packedA, packedB, ref cBlock, n, mc, nc, kc, load, workspace.Tile);
                }
            }
        }
    }

    private static void RunBlock<TKernel>(
        Span<float> packedA, Span<float> packedB, ref float cBlock, int ldc, int mc, int nc, int kc, bool load, Span<float> tile)
        where TKernel : struct, IMicroKernel
    {
        ref float aPacked = ref MemoryMarshal.GetReference(packedA);
        ref float bPacked = ref MemoryMarshal.GetReference(packedB);
        for (int jr = 0; jr < nc; jr += TKernel.Nr)
        {
            int cols = Math.Min(TKernel.Nr, nc - jr);
            ref float bPanel = ref Unsafe.Add(ref bPacked, jr * kc);
            for (int ir = 0; ir < mc; ir += TKernel.Mr)
            {
                int rows = Math.Min(TKernel.Mr, mc - ir);
                ref float aPanel = ref Unsafe.Add(ref aPacked, ir * kc);
                ref float cTile = ref Unsafe.Add(ref cBlock, ((nint)ir * ldc) + jr);
                if (rows == TKernel.Mr && cols == TKernel.Nr)
                {
                    TKernel.Run(ref aPanel, ref bPanel, kc, ref cTile, ldc, load);
                }
                else
                {
                    RunEdgeTile<TKernel>(ref aPanel, ref bPanel, kc, ref cTile, ldc, rows, cols, load, tile);
                }
            }
        }
    }

    // Partial tiles at the right and bottom edges: the kernel computes a full tile into scratch
    // (the padded panel lanes are zero) and only the valid rows × cols are copied in and out.
    private static void RunEdgeTile<TKernel>(
        ref float aPanel, ref float bPanel, int kc, ref float cTile, int ldc, int rows, int cols, bool load, Span<float> tile)
        where TKernel : struct, IMicroKernel
    {
        int nr = TKernel.Nr;
        if (load)
        {
            tile.Clear();
            for (int r = 0; r < rows; r++)
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref cTile, (nint)r * ldc), cols).CopyTo(tile.Slice(r * nr, cols));
            }
        }

        TKernel.Run(ref aPanel, ref bPanel, kc, ref MemoryMarshal.GetReference(tile), nr, load);
        for (int r = 0; r < rows; r++)
        {
            tile.Slice(r * nr, cols).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref cTile, (nint)r * ldc), cols));
        }
    }
}
