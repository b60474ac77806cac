// Matrix multiplies for dense layers: forward X·Wᵀ, backward dY·W and dYᵀ·X.
// All matrices are dense row-major float32. Shapes are checked once here, then the call is
// dispatched to the widest vector path the machine accelerates (Vector512 → Vector256 →
// Vector128 → scalar reference), which runs the packed, cache-blocked GemmDriver, or, for X·Wᵀ
// with 1–4 rows, the ForwardFewRows dot-product kernels, and with up to 128 rows or few outputs,
// the unpacked-W ForwardSmallBatch kernels. Results are a
// deterministic function of the inputs and the shape (no threading inside a call, no dependence
// on span alignment or earlier calls), which the exact gradient sum relies on.
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

/// <summary>Fast matrix multiplies used by the layers.</summary>
public static class Gemm
{
    /// <summary>c = a·b (+ c when <paramref name="accumulate"/>). a: m×k, b: k×n, c: m×n.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => MultiplyOnPath(a, b, c, m, n, k, accumulate, GemmPaths.Default);

    /// <summary>c = a·bᵀ (+ c). a: m×k, b: n×k, c: m×n. The dense-layer forward pass X·Wᵀ.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => MultiplyTransposedBOnPath(a, b, c, m, n, k, accumulate, GemmPaths.Default);

    /// <summary>c = aᵀ·b (+ c). a: k×m, b: k×n, c: m×n. The weight gradient dYᵀ·X.</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => MultiplyTransposedAOnPath(a, b, c, m, n, k, accumulate, GemmPaths.Default);

    /// <summary><see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/> on a forced path.</summary>
    internal static void MultiplyOnPath(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate, GemmPath path)
    {
        GemmShape.Check(a.Length, b.Length, c.Length, m, n, k);
        if (IsTrivial(c, m, n, k, accumulate))
        {
            return;
        }

        if (path == GemmPath.Scalar)
        {
            GemmReference.Multiply(a, b, c, m, n, k, accumulate);
            return;
        }

        // a(i, p) = a[i·k + p]; b(p, j) = b[p·n + j].
        Run(path, a, k, 1, b, 1, n, c, m, n, k, accumulate);
    }

    /// <summary><see cref="MultiplyTransposedB(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/> on a forced path.</summary>
    internal static void MultiplyTransposedBOnPath(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate, GemmPath path)
    {
        GemmShape.Check(a.Length, b.Length, c.Length, m, n, k);
        if (IsTrivial(c, m, n, k, accumulate))
        {
            return;
        }

        RunForward(ForwardKernelFor(path, m, n, k), path, a, b, c, m, n, k, accumulate);
    }

    /// <summary>
    /// c = a·bᵀ over consecutive row blocks of <paramref name="blockRows"/> rows (Σ = m), every block getting exactly the
    /// bits that a call with that block alone would give: a block is run on the kernel its own row count selects, and
    /// neighbouring blocks that select the same row-independent kernel share one call. a: m×k, b: n×k, c: m×n.
    /// </summary>
    internal static void MultiplyTransposedBByBlocks(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int n, int k, ReadOnlySpan<int> blockRows)
    {
        var path = GemmPaths.Default;
        for (int start = 0, first = 0; start < blockRows.Length;)
        {
            var kernel = ForwardKernelFor(path, blockRows[start], n, k);
            int rows = blockRows[start], end = start + 1;
            // The few-row kernels see their rows together, so only one block goes to them at a time.
            while (kernel != ForwardKernel.FewRows && end < blockRows.Length && ForwardKernelFor(path, blockRows[end], n, k) == kernel)
                rows += blockRows[end++];
            var blockA = a.Slice(first * k, rows * k);
            var blockC = c.Slice(first * n, rows * n);
            GemmShape.Check(blockA.Length, b.Length, blockC.Length, rows, n, k);
            if (!IsTrivial(blockC, rows, n, k, accumulate: false))
                RunForward(kernel, path, blockA, b, blockC, rows, n, k, accumulate: false);
            first += rows;
            start = end;
        }
    }

    /// <summary>The forward kernels; which one runs is a function of the path and the shape alone.</summary>
    private enum ForwardKernel
    {
        Reference,
        FewRows,
        SmallBatch,
        Packed,
    }

    private static ForwardKernel ForwardKernelFor(GemmPath path, int m, int n, int k)
    {
        if (path == GemmPath.Scalar)
        {
            return ForwardKernel.Reference;
        }

        // Kernels are chosen from the shape alone, so a given shape always takes the same one.
        bool wide = path is GemmPath.Vector512 or GemmPath.Vector256 && GemmPaths.IsSupported(path);
        if (wide && (path == GemmPath.Vector512 ? ForwardFewRows<FloatLanes.V512, Vector512<float>>.Suits(m, k) : ForwardFewRows<FloatLanes.V256, Vector256<float>>.Suits(m, k)))
        {
            return ForwardKernel.FewRows;
        }

        return wide && ForwardSmallBatchVector512.Suits(m, n) ? ForwardKernel.SmallBatch : ForwardKernel.Packed;
    }

    private static void RunForward(
        ForwardKernel kernel, GemmPath path, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate)
    {
        switch (kernel)
        {
            case ForwardKernel.Reference:
                GemmReference.MultiplyTransposedB(a, b, c, m, n, k, accumulate);
                break;
            // 1–4 rows (a single image, or a few coalesced ones): dot products along k instead of a padded 32-row panel.
            case ForwardKernel.FewRows when path == GemmPath.Vector512:
                ForwardFewRows<FloatLanes.V512, Vector512<float>>.Run(a, b, c, m, n, k, accumulate);
                break;
            case ForwardKernel.FewRows:
                ForwardFewRows<FloatLanes.V256, Vector256<float>>.Run(a, b, c, m, n, k, accumulate);
                break;
            case ForwardKernel.SmallBatch when path == GemmPath.Vector512:
                ForwardSmallBatchVector512.Run(a, b, c, m, n, k, accumulate);
                break;
            case ForwardKernel.SmallBatch:
                ForwardSmallBatchVector256.Run(a, b, c, m, n, k, accumulate);
                break;
            default:
                // a(i, p) = a[i·k + p]; b(p, j) = b[j·k + p].
                Run(path, a, k, 1, b, k, 1, c, m, n, k, accumulate);
                break;
        }
    }

    /// <summary><see cref="MultiplyTransposedA(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/> on a forced path.</summary>
    internal static void MultiplyTransposedAOnPath(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate, GemmPath path)
    {
        GemmShape.Check(a.Length, b.Length, c.Length, m, n, k);
        if (IsTrivial(c, m, n, k, accumulate))
        {
            return;
        }

        if (path == GemmPath.Scalar)
        {
            GemmReference.MultiplyTransposedA(a, b, c, m, n, k, accumulate);
            return;
        }

        // a(i, p) = a[p·m + i]; b(p, j) = b[p·n + j].
        Run(path, a, 1, m, b, 1, n, c, m, n, k, accumulate);
    }

    // Empty products: nothing to do when c is empty; with k = 0 the product is zero.
    private static bool IsTrivial(Span<float> c, int m, int n, int k, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return true;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                c[..(m * n)].Clear();
            }

            return true;
        }

        return false;
    }

    private static void Run(
        GemmPath path, ReadOnlySpan<float> a, nint aRowStride, nint aStepStride, ReadOnlySpan<float> b, nint bColStride, nint bStepStride,
        Span<float> c, int m, int n, int k, bool accumulate)
    {
        if (!GemmPaths.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"GEMM path {path} is not supported on this machine.");
        }

        switch (path)
        {
            case GemmPath.Vector512:
                GemmDriver.Run<MicroKernel8x32Vector512>(a, aRowStride, aStepStride, b, bColStride, bStepStride, c, m, n, k, accumulate);
                break;
            case GemmPath.Vector256:
                GemmDriver.Run<MicroKernel6x16Vector256>(a, aRowStride, aStepStride, b, bColStride, bStepStride, c, m, n, k, accumulate);
                break;
            default:
                GemmDriver.Run<MicroKernel4x8Vector128>(a, aRowStride, aStepStride, b, bColStride, bStepStride, c, m, n, k, accumulate);
                break;
        }
    }
}
