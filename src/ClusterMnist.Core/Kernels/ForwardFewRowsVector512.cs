// Forward product C = X·Wᵀ (+ C) for 1–4 rows of X on 512-bit vectors: dot products along k.
// X: m×k, W: n×k, C: m×n, all row-major; m ≤ 4 and k ≥ 16. A single image (the HTTP API's common
// case) has one use per weight, so the work is one stream over W; padding it to a 32-row panel, as
// ForwardSmallBatch does, multiplies the arithmetic by 32 for nothing. Here each step loads 16
// floats of 4 W rows and of every X row (X stays in L1) and keeps 4×m Vector512 accumulators, one
// per output; nothing is packed. Each output's lanes are summed once at the end (Vector512.Sum).
// Tails: the last k % 16 columns are read as an overlapping last vector ending at k, with the X
// lanes already counted masked to zero; W rows past n are clamped to the last valid row, computed
// but never stored. The summation order of an output depends only on k (not on m, n or alignment),
// so a row gets the same bits whether it is predicted alone or with up to three others.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal static class ForwardFewRowsVector512
{
    /// <summary>Row counts up to this take this kernel; from 5 rows the 32-row panel of ForwardSmallBatch pays off.</summary>
    public const int MaxRows = 4;

    private const int Lanes = 16;
    private const int TileOutputs = 4;

    /// <summary>True for 1–4 rows with at least one full vector along k (the overlapping tail needs one).</summary>
    public static bool Suits(int m, int k) => m <= MaxRows && k >= Lanes;

    /// <summary>c (+)= x·wᵀ; x: m×k, w: n×k, c: m×n; 1 ≤ m ≤ 4, n ≥ 1, k ≥ 16.</summary>
    public static void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> c, int m, int n, int k, bool accumulate)
    {
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float wRef = ref MemoryMarshal.GetReference(w);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        switch (m)
        {
            case 1:
                RunRows<FewRows.One>(ref xRef, ref wRef, ref cRef, n, k, accumulate);
                break;
            case 2:
                RunRows<FewRows.Two>(ref xRef, ref wRef, ref cRef, n, k, accumulate);
                break;
            case 3:
                RunRows<FewRows.Three>(ref xRef, ref wRef, ref cRef, n, k, accumulate);
                break;
            default:
                RunRows<FewRows.Four>(ref xRef, ref wRef, ref cRef, n, k, accumulate);
                break;
        }
    }

    // One instantiation per row count: the JIT folds TRows.Count, so unused rows cost no loads, FMAs or registers.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunRows<TRows>(ref float x, ref float w, ref float c, int n, int k, bool accumulate)
        where TRows : struct, IFewRows
    {
        int rows = TRows.Count;
        int full = k - (k % Lanes);
        int tail = k - full;

        // Lanes below Lanes − tail of the vector ending at k were summed by the full vectors already.
        var tailMask = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(Lanes - tail)).AsSingle();
        ref float x0 = ref x;
        ref float x1 = ref Unsafe.Add(ref x, Math.Min(1, rows - 1) * (nint)k);
        ref float x2 = ref Unsafe.Add(ref x, Math.Min(2, rows - 1) * (nint)k);
        ref float x3 = ref Unsafe.Add(ref x, Math.Min(3, rows - 1) * (nint)k);
        for (int j0 = 0; j0 < n; j0 += TileOutputs)
        {
            int outputs = Math.Min(TileOutputs, n - j0);
            ref float w0 = ref Unsafe.Add(ref w, (nint)j0 * k);
            ref float w1 = ref Unsafe.Add(ref w0, Math.Min(1, outputs - 1) * (nint)k);
            ref float w2 = ref Unsafe.Add(ref w0, Math.Min(2, outputs - 1) * (nint)k);
            ref float w3 = ref Unsafe.Add(ref w0, Math.Min(3, outputs - 1) * (nint)k);
            Vector512<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
            a00 = a01 = a02 = a03 = Vector512<float>.Zero;
            a10 = a11 = a12 = a13 = Vector512<float>.Zero;
            a20 = a21 = a22 = a23 = Vector512<float>.Zero;
            a30 = a31 = a32 = a33 = Vector512<float>.Zero;
            for (nint p = 0; p < full; p += Lanes)
            {
                Step<TRows>(
                    p, Vector512<float>.AllBitsSet, ref x0, ref x1, ref x2, ref x3, ref w0, ref w1, ref w2, ref w3,
                    ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13,
                    ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            }

            if (tail > 0)
            {
                // The overlapping last vector ends at k; its first Lanes − tail lanes of X are masked to zero.
                Step<TRows>(
                    k - Lanes, tailMask, ref x0, ref x1, ref x2, ref x3, ref w0, ref w1, ref w2, ref w3,
                    ref a00, ref a01, ref a02, ref a03, ref a10, ref a11, ref a12, ref a13,
                    ref a20, ref a21, ref a22, ref a23, ref a30, ref a31, ref a32, ref a33);
            }

            Store(ref c, n, j0, outputs, 0, accumulate, a00, a01, a02, a03);
            if (rows > 1)
            {
                Store(ref c, n, j0, outputs, 1, accumulate, a10, a11, a12, a13);
            }

            if (rows > 2)
            {
                Store(ref c, n, j0, outputs, 2, accumulate, a20, a21, a22, a23);
            }

            if (rows > 3)
            {
                Store(ref c, n, j0, outputs, 3, accumulate, a30, a31, a32, a33);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TRows>(
        nint p, Vector512<float> mask, ref float x0, ref float x1, ref float x2, ref float x3,
        ref float w0, ref float w1, ref float w2, ref float w3,
        ref Vector512<float> a00, ref Vector512<float> a01, ref Vector512<float> a02, ref Vector512<float> a03,
        ref Vector512<float> a10, ref Vector512<float> a11, ref Vector512<float> a12, ref Vector512<float> a13,
        ref Vector512<float> a20, ref Vector512<float> a21, ref Vector512<float> a22, ref Vector512<float> a23,
        ref Vector512<float> a30, ref Vector512<float> a31, ref Vector512<float> a32, ref Vector512<float> a33)
        where TRows : struct, IFewRows
    {
        var v0 = Vector512.LoadUnsafe(ref w0, (nuint)p);
        var v1 = Vector512.LoadUnsafe(ref w1, (nuint)p);
        var v2 = Vector512.LoadUnsafe(ref w2, (nuint)p);
        var v3 = Vector512.LoadUnsafe(ref w3, (nuint)p);
        var r0 = Vector512.LoadUnsafe(ref x0, (nuint)p) & mask;
        a00 = Vector512.FusedMultiplyAdd(r0, v0, a00);
        a01 = Vector512.FusedMultiplyAdd(r0, v1, a01);
        a02 = Vector512.FusedMultiplyAdd(r0, v2, a02);
        a03 = Vector512.FusedMultiplyAdd(r0, v3, a03);
        if (TRows.Count > 1)
        {
            var r1 = Vector512.LoadUnsafe(ref x1, (nuint)p) & mask;
            a10 = Vector512.FusedMultiplyAdd(r1, v0, a10);
            a11 = Vector512.FusedMultiplyAdd(r1, v1, a11);
            a12 = Vector512.FusedMultiplyAdd(r1, v2, a12);
            a13 = Vector512.FusedMultiplyAdd(r1, v3, a13);
        }

        if (TRows.Count > 2)
        {
            var r2 = Vector512.LoadUnsafe(ref x2, (nuint)p) & mask;
            a20 = Vector512.FusedMultiplyAdd(r2, v0, a20);
            a21 = Vector512.FusedMultiplyAdd(r2, v1, a21);
            a22 = Vector512.FusedMultiplyAdd(r2, v2, a22);
            a23 = Vector512.FusedMultiplyAdd(r2, v3, a23);
        }

        if (TRows.Count > 3)
        {
            var r3 = Vector512.LoadUnsafe(ref x3, (nuint)p) & mask;
            a30 = Vector512.FusedMultiplyAdd(r3, v0, a30);
            a31 = Vector512.FusedMultiplyAdd(r3, v1, a31);
            a32 = Vector512.FusedMultiplyAdd(r3, v2, a32);
            a33 = Vector512.FusedMultiplyAdd(r3, v3, a33);
        }
    }

    // c[row·n + j0 + q] (+)= Σ lanes of a_q for q < outputs.
    private static void Store(
        ref float c, int n, int j0, int outputs, int row, bool accumulate,
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        ref float cRow = ref Unsafe.Add(ref c, ((nint)row * n) + j0);
        Put(ref cRow, 0, Vector512.Sum(a0), accumulate);
        if (outputs > 1)
        {
            Put(ref cRow, 1, Vector512.Sum(a1), accumulate);
        }

        if (outputs > 2)
        {
            Put(ref cRow, 2, Vector512.Sum(a2), accumulate);
        }

        if (outputs > 3)
        {
            Put(ref cRow, 3, Vector512.Sum(a3), accumulate);
        }
    }

    private static void Put(ref float cRow, int q, float value, bool accumulate)
    {
        ref float target = ref Unsafe.Add(ref cRow, q);
        target = accumulate ? target + value : value;
    }
}
