// Micro-kernel 8×32 on 512-bit vectors (AVX-512F): C[8×32] (+)= A[8×kc]·B[kc×32].
// a: per step 8 adjacent floats (one per row of C), steps aStep apart; b: per step 32 adjacent
// floats, steps bStep apart (the packed panel width, or the source row length when read in
// place); c: row-major tile with stride ldc. Why fast: the 16 accumulators (8 rows × 2 zmm) stay
// in registers for the whole kc loop; each step loads 2 vectors of B, broadcasts 8 scalars of A
// and issues 16 independent FMAs, enough to hide FMA latency on both FMA pipes. Tails never
// reach here: the packers pad edge panels with zeros and the driver routes partial tiles through
// a full-size scratch tile, so every call is a full tile with no masking.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal readonly struct MicroKernel8x32Vector512 : IMicroKernel
{
    public static int Mr => 8;

    public static int Nr => 32;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(ref float a, nint aStep, ref float b, nint bStep, ref float c, int ldc, int kc, bool load)
    {
        nuint stride = (nuint)ldc;
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (load)
        {
            c00 = Vector512.LoadUnsafe(ref c, 0);
            c01 = Vector512.LoadUnsafe(ref c, 16);
            c10 = Vector512.LoadUnsafe(ref c, stride);
            c11 = Vector512.LoadUnsafe(ref c, stride + 16);
            c20 = Vector512.LoadUnsafe(ref c, stride * 2);
            c21 = Vector512.LoadUnsafe(ref c, (stride * 2) + 16);
            c30 = Vector512.LoadUnsafe(ref c, stride * 3);
            c31 = Vector512.LoadUnsafe(ref c, (stride * 3) + 16);
            c40 = Vector512.LoadUnsafe(ref c, stride * 4);
            c41 = Vector512.LoadUnsafe(ref c, (stride * 4) + 16);
            c50 = Vector512.LoadUnsafe(ref c, stride * 5);
            c51 = Vector512.LoadUnsafe(ref c, (stride * 5) + 16);
            c60 = Vector512.LoadUnsafe(ref c, stride * 6);
            c61 = Vector512.LoadUnsafe(ref c, (stride * 6) + 16);
            c70 = Vector512.LoadUnsafe(ref c, stride * 7);
            c71 = Vector512.LoadUnsafe(ref c, (stride * 7) + 16);
        }
        else
        {
            c00 = Vector512<float>.Zero;
            c01 = Vector512<float>.Zero;
            c10 = Vector512<float>.Zero;
            c11 = Vector512<float>.Zero;
            c20 = Vector512<float>.Zero;
            c21 = Vector512<float>.Zero;
            c30 = Vector512<float>.Zero;
            c31 = Vector512<float>.Zero;
            c40 = Vector512<float>.Zero;
            c41 = Vector512<float>.Zero;
            c50 = Vector512<float>.Zero;
            c51 = Vector512<float>.Zero;
            c60 = Vector512<float>.Zero;
            c61 = Vector512<float>.Zero;
            c70 = Vector512<float>.Zero;
            c71 = Vector512<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
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

        c00.StoreUnsafe(ref c, 0);
        c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c, stride);
        c11.StoreUnsafe(ref c, stride + 16);
        c20.StoreUnsafe(ref c, stride * 2);
        c21.StoreUnsafe(ref c, (stride * 2) + 16);
        c30.StoreUnsafe(ref c, stride * 3);
        c31.StoreUnsafe(ref c, (stride * 3) + 16);
        c40.StoreUnsafe(ref c, stride * 4);
        c41.StoreUnsafe(ref c, (stride * 4) + 16);
        c50.StoreUnsafe(ref c, stride * 5);
        c51.StoreUnsafe(ref c, (stride * 5) + 16);
        c60.StoreUnsafe(ref c, stride * 6);
        c61.StoreUnsafe(ref c, (stride * 6) + 16);
        c70.StoreUnsafe(ref c, stride * 7);
        c71.StoreUnsafe(ref c, (stride * 7) + 16);
    }
}
