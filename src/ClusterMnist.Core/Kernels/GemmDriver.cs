// Cache-blocked, packed GEMM driver: C (+)= op(A)·op(B) for all three layer forms.
// a element (i, p) at a[i·aRowStride + p·aStepStride]; b element (p, j) at
// b[j·bColStride + p·bStepStride]; c is m×n row-major. BLIS loop order: for each nc column block
// and kc depth block, pack B into Nr-wide panels; for each mc row block pack A into Mr-high
// panels; then run the micro-kernel on every Mr×Nr tile. Packing makes one micro-kernel serve
// X·Wᵀ, dY·W and dYᵀ·X alike. Operands whose panel values are already adjacent in memory (B of
// dY·W and dYᵀ·X, A of dYᵀ·X) are read in place instead, which measured faster at the training
// shapes (m = 32 or k = 32), where packing is a large share of the work; only their partial edge
// panels are packed. Summation order over k (blocks ascending, steps ascending inside) depends
// only on k, so the result is a pure function of the inputs and the shape.
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

        // An operand whose panel values are already adjacent (Aᵀ storage, B storage) is read in
        // place: full panels skip packing and only a partial edge panel is packed, zero-padded.
        nint aInPlaceStep = aRowStride == 1 ? aStepStride : 0;
        nint bInPlaceStep = bColStride == 1 ? bStepStride : 0;

        for (int jc = 0; jc < n; jc += GemmBlocking.Nc)
        {
            int nc = Math.Min(GemmBlocking.Nc, n - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                bool load = accumulate || pc > 0;
                ref float bBlock = ref Unsafe.Add(ref bRef, (jc * bColStride) + (pc * bStepStride));
                if (bInPlaceStep == 0)
                {
                    PanelPacker.Pack(ref bBlock, bColStride, bStepStride, packedB, nc, kc, TKernel.Nr);
                }

                for (int ic = 0; ic < m; ic += GemmBlocking.Mc)
                {
                    int mc = Math.Min(GemmBlocking.Mc, m - ic);
                    ref float aBlock = ref Unsafe.Add(ref aRef, (ic * aRowStride) + (pc * aStepStride));
                    if (aInPlaceStep == 0)
                    {
                        PanelPacker.Pack(ref aBlock, aRowStride, aStepStride, packedA, mc, kc, TKernel.Mr);
                    }

                    ref float cBlock = ref Unsafe.Add(ref cRef, ((nint)ic * n) + jc);
                    var block = new Block(mc, nc, kc, aInPlaceStep, bInPlaceStep, load);
                    RunBlock<TKernel>(ref aBlock, ref bBlock, packedA, packedB, ref cBlock, n, block, workspace.Tile);
                }
            }
        }
    }

    /// <summary>One mc×nc×kc block; a nonzero in-place step means that operand is read from its source.</summary>
    private readonly record struct Block(int Mc, int Nc, int Kc, nint AInPlaceStep, nint BInPlaceStep, bool Load);

    private static void RunBlock<TKernel>(
        ref float aBlock, ref float bBlock, Span<float> packedA, Span<float> packedB, ref float cBlock, int ldc, Block block, Span<float> tile)
        where TKernel : struct, IMicroKernel
    {
        int kc = block.Kc;

        // A partial A panel read in place is packed once here, not once per column panel.
        int fullRows = block.Mc - (block.Mc % TKernel.Mr);
        if (block.AInPlaceStep != 0 && fullRows < block.Mc)
        {
            PanelPacker.Pack(ref Unsafe.Add(ref aBlock, fullRows), 1, block.AInPlaceStep, packedA, block.Mc - fullRows, kc, TKernel.Mr);
        }

        for (int jr = 0; jr < block.Nc; jr += TKernel.Nr)
        {
            int cols = Math.Min(TKernel.Nr, block.Nc - jr);
            ref float bPanel = ref Panel(ref bBlock, block.BInPlaceStep, packedB, jr, cols, kc, TKernel.Nr, packEdge: true, out nint bStep);
            for (int ir = 0; ir < block.Mc; ir += TKernel.Mr)
            {
                int rows = Math.Min(TKernel.Mr, block.Mc - ir);
                ref float aPanel = ref Panel(ref aBlock, block.AInPlaceStep, packedA, ir, rows, kc, TKernel.Mr, packEdge: false, out nint aStep);
                ref float cTile = ref Unsafe.Add(ref cBlock, ((nint)ir * ldc) + jr);
                if (rows == TKernel.Mr && cols == TKernel.Nr)
                {
                    TKernel.Run(ref aPanel, aStep, ref bPanel, bStep, ref cTile, ldc, kc, block.Load);
                }
                else
                {
                    RunEdgeTile<TKernel>(ref aPanel, aStep, ref bPanel, bStep, kc, ref cTile, ldc, rows, cols, block.Load, tile);
                }
            }
        }
    }

    // The panel starting at `offset` (row or column): in the packed block, in place in the source,
    // or, for a partial in-place panel, zero-padded at the start of `packed` (packed now when
    // packEdge, else already packed by the caller).
    private static ref float Panel(ref float source, nint inPlaceStep, Span<float> packed, int offset, int count, int kc, int width, bool packEdge, out nint step)
    {
        if (inPlaceStep == 0)
        {
            step = width;
            return ref Unsafe.Add(ref MemoryMarshal.GetReference(packed), offset * kc);
        }

        if (count == width)
        {
            step = inPlaceStep;
            return ref Unsafe.Add(ref source, offset);
        }

        if (packEdge)
        {
            PanelPacker.Pack(ref Unsafe.Add(ref source, offset), 1, inPlaceStep, packed, count, kc, width);
        }

        step = width;
        return ref MemoryMarshal.GetReference(packed);
    }

    // Partial tiles at the right and bottom edges: the kernel computes a full tile into scratch
    // (the padded panel lanes are zero) and only the valid rows × cols are copied in and out.
    private static void RunEdgeTile<TKernel>(
        ref float aPanel, nint aStep, ref float bPanel, nint bStep, int kc, ref float cTile, int ldc, int rows, int cols, bool load, Span<float> tile)
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

        TKernel.Run(ref aPanel, aStep, ref bPanel, bStep, ref MemoryMarshal.GetReference(tile), nr, kc, load);
        for (int r = 0; r < rows; r++)
        {
            tile.Slice(r * nr, cols).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref cTile, (nint)r * ldc), cols));
        }
    }
}
