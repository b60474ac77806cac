// Micro-kernel 6×16 on 256-bit vectors (AVX2 + FMA): C[6×16] (+)= A[6×kc]·B[kc×16].
// a: per step 6 adjacent floats, steps aStep apart; b: per step 16 adjacent floats, steps bStep
// apart; c: row-major tile with stride ldc. Why fast: 12 accumulators (6 rows × 2 ymm) plus 2 B
// vectors and one broadcast fill the 16 ymm registers, with 12 independent FMAs per step to cover
// the FMA latency. Tails never reach here: edge panels are zero-padded and partial tiles go
// through a full-size scratch tile in the driver, so there is no masking.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal readonly struct MicroKernel6x16Vector256 : IMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 16;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(ref float a, nint aStep, ref float b, nint bStep, ref float c, int ldc, int kc, bool load)
    {
        nuint stride = (nuint)ldc;
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (load)
        {
            c00 = Vector256.LoadUnsafe(ref c, 0);
            c01 = Vector256.LoadUnsafe(ref c, 8);
            c10 = Vector256.LoadUnsafe(ref c, stride);
            c11 = Vector256.LoadUnsafe(ref c, stride + 8);
            c20 = Vector256.LoadUnsafe(ref c, stride * 2);
            c21 = Vector256.LoadUnsafe(ref c, (stride * 2) + 8);
            c30 = Vector256.LoadUnsafe(ref c, stride * 3);
            c31 = Vector256.LoadUnsafe(ref c, (stride * 3) + 8);
            c40 = Vector256.LoadUnsafe(ref c, stride * 4);
            c41 = Vector256.LoadUnsafe(ref c, (stride * 4) + 8);
            c50 = Vector256.LoadUnsafe(ref c, stride * 5);
            c51 = Vector256.LoadUnsafe(ref c, (stride * 5) + 8);
        }
        else
        {
            c00 = Vector256<float>.Zero;
            c01 = Vector256<float>.Zero;
            c10 = Vector256<float>.Zero;
            c11 = Vector256<float>.Zero;
            c20 = Vector256<float>.Zero;
            c21 = Vector256<float>.Zero;
            c30 = Vector256<float>.Zero;
            c31 = Vector256<float>.Zero;
            c40 = Vector256<float>.Zero;
            c41 = Vector256<float>.Zero;
            c50 = Vector256<float>.Zero;
            c51 = Vector256<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b, 0);
            var b1 = Vector256.LoadUnsafe(ref b, 8);
            var a0 = Vector256.Create(Unsafe.Add(ref a, 0));
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a = ref Unsafe.Add(ref a, aStep);
            b = ref Unsafe.Add(ref b, bStep);
        }

        c00.StoreUnsafe(ref c, 0);
        c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c, stride);
        c11.StoreUnsafe(ref c, stride + 8);
        c20.StoreUnsafe(ref c, stride * 2);
        c21.StoreUnsafe(ref c, (stride * 2) + 8);
        c30.StoreUnsafe(ref c, stride * 3);
        c31.StoreUnsafe(ref c, (stride * 3) + 8);
        c40.StoreUnsafe(ref c, stride * 4);
        c41.StoreUnsafe(ref c, (stride * 4) + 8);
        c50.StoreUnsafe(ref c, stride * 5);
        c51.StoreUnsafe(ref c, (stride * 5) + 8);
    }
}
