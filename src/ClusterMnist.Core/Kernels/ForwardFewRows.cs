// Forward product C = X·Wᵀ (+ C) for 1–4 rows of X, on 512-bit or 256-bit vectors (L = 16 or 8 lanes): dot
// products along k. X: m×k, W: n×k, C: m×n, all row-major; m ≤ 4 and k ≥ L. A single image (the HTTP API's common
// case) has one use per weight, so the work is one stream over W; padding it to a 32-row panel, as
// ForwardSmallBatch does, multiplies the arithmetic by 32 for nothing. Here each step loads L
// floats of 4 W rows and of every X row (X stays in L1) and keeps 4×m vector accumulators, one
// per output; nothing is packed. Each output's lanes are summed once at the end (the width's Sum).
// Tails: the last k % L columns are read as an overlapping last vector ending at k, with the X
// lanes already counted masked to zero; W rows past n are clamped to the last valid row, computed
// but never stored. The summation order of an output depends only on k (not on m, n or alignment),
// so a row gets the same bits whether it is predicted alone or with up to three others. The code is
// generic in the width (FloatLanes); the JIT compiles one copy per width and row count.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal static class ForwardFewRows<TLanes, TVector>
    where TLanes : struct, IFloatLanes<TVector>
    where TVector : struct
{
    /// <summary>Row counts up to this take this kernel; from 5 rows the 32-row panel of ForwardSmallBatch pays off.</summary>
    public const int MaxRows = 4;

    private const int TileOutputs = 4;

    private static int Lanes => TLanes.Count;

    /// <summary>True for 1–4 rows with at least one full vector along k (the overlapping tail needs one).</summary>
    public static bool Suits(int m, int k) => m <= MaxRows && k >= Lanes;

    /// <summary>c (+)= x·wᵀ; x: m×k, w: n×k, c: m×n; 1 ≤ m ≤ 4, n ≥ 1, k ≥ the width's lanes.</summary>
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
        var tailMask = TLanes.LanesFrom(Lanes - tail);
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
            TVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
            a00 = a01 = a02 = a03 = TLanes.Zero;
            a10 = a11 = a12 = a13 = TLanes.Zero;
            a20 = a21 = a22 = a23 = TLanes.Zero;
            a30 = a31 = a32 = a33 = TLanes.Zero;
            for (nint p = 0; p < full; p += Lanes)
            {
                Step<TRows>(
                    p, TLanes.AllBitsSet, ref x0, ref x1, ref x2, ref x3, ref w0, ref w1, ref w2, ref w3,
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
        nint p, TVector mask, ref float x0, ref float x1, ref float x2, ref float x3,
        ref float w0, ref float w1, ref float w2, ref float w3,
        ref TVector a00, ref TVector a01, ref TVector a02, ref TVector a03,
        ref TVector a10, ref TVector a11, ref TVector a12, ref TVector a13,
        ref TVector a20, ref TVector a21, ref TVector a22, ref TVector a23,
        ref TVector a30, ref TVector a31, ref TVector a32, ref TVector a33)
        where TRows : struct, IFewRows
    {
        var v0 = TLanes.Load(ref w0, (nuint)p);
        var v1 = TLanes.Load(ref w1, (nuint)p);
        var v2 = TLanes.Load(ref w2, (nuint)p);
        var v3 = TLanes.Load(ref w3, (nuint)p);
        var r0 = TLanes.And(TLanes.Load(ref x0, (nuint)p), mask);
        a00 = TLanes.FusedMultiplyAdd(r0, v0, a00);
        a01 = TLanes.FusedMultiplyAdd(r0, v1, a01);
        a02 = TLanes.FusedMultiplyAdd(r0, v2, a02);
        a03 = TLanes.FusedMultiplyAdd(r0, v3, a03);
        if (TRows.Count > 1)
        {
            var r1 = TLanes.And(TLanes.Load(ref x1, (nuint)p), mask);
            a10 = TLanes.FusedMultiplyAdd(r1, v0, a10);
            a11 = TLanes.FusedMultiplyAdd(r1, v1, a11);
            a12 = TLanes.FusedMultiplyAdd(r1, v2, a12);
            a13 = TLanes.FusedMultiplyAdd(r1, v3, a13);
        }

        if (TRows.Count > 2)
        {
            var r2 = TLanes.And(TLanes.Load(ref x2, (nuint)p), mask);
            a20 = TLanes.FusedMultiplyAdd(r2, v0, a20);
            a21 = TLanes.FusedMultiplyAdd(r2, v1, a21);
            a22 = TLanes.FusedMultiplyAdd(r2, v2, a22);
            a23 = TLanes.FusedMultiplyAdd(r2, v3, a23);
        }

        if (TRows.Count > 3)
        {
            var r3 = TLanes.And(TLanes.Load(ref x3, (nuint)p), mask);
            a30 = TLanes.FusedMultiplyAdd(r3, v0, a30);
            a31 = TLanes.FusedMultiplyAdd(r3, v1, a31);
            a32 = TLanes.FusedMultiplyAdd(r3, v2, a32);
            a33 = TLanes.FusedMultiplyAdd(r3, v3, a33);
        }
    }

    // c[row·n + j0 + q] (+)= Σ lanes of a_q for q < outputs.
    private static void Store(
        ref float c, int n, int j0, int outputs, int row, bool accumulate,
        TVector a0, TVector a1, TVector a2, TVector a3)
    {
        ref float cRow = ref Unsafe.Add(ref c, ((nint)row * n) + j0);
        Put(ref cRow, 0, TLanes.Sum(a0), accumulate);
        if (outputs > 1)
        {
            Put(ref cRow, 1, TLanes.Sum(a1), accumulate);
        }

        if (outputs > 2)
        {
            Put(ref cRow, 2, TLanes.Sum(a2), accumulate);
        }

        if (outputs > 3)
        {
            Put(ref cRow, 3, TLanes.Sum(a3), accumulate);
        }
    }

    private static void Put(ref float cRow, int q, float value, bool accumulate)
    {
        ref float target = ref Unsafe.Add(ref cRow, q);
        target = accumulate ? target + value : value;
    }
}
