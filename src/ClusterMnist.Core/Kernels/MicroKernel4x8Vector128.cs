// Micro-kernel 4×8 on 128-bit vectors (SSE / AdvSimd): C[4×8] (+)= A[4×kc]·B[kc×8].
// a: per step 4 adjacent floats, steps aStep apart; b: per step 8 adjacent floats, steps bStep
// apart; c: row-major tile with stride ldc. Why fast: 8 register accumulators and 8 independent
// multiply-adds per step. MultiplyAddEstimate fuses where the hardware has FMA and is mul+add
// otherwise, which is fixed per machine, so results stay a pure function of the inputs there.
// Tails never reach here: edge panels are zero-padded and partial tiles go through a full-size
// scratch tile in the driver.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Kernels;

internal readonly struct MicroKernel4x8Vector128 : IMicroKernel
{
    public static int Mr => 4;

    public static int Nr => 8;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Run(ref float a, nint aStep, ref float b, nint bStep, ref float c, int ldc, int kc, bool load)
    {
        nuint stride = (nuint)ldc;
        Vector128<float> c00, c01, c10, c11, c20, c21, c30, c31;
        if (load)
        {
            c00 = Vector128.LoadUnsafe(ref c, 0);
            c01 = Vector128.LoadUnsafe(ref c, 4);
            c10 = Vector128.LoadUnsafe(ref c, stride);
            c11 = Vector128.LoadUnsafe(ref c, stride + 4);
            c20 = Vector128.LoadUnsafe(ref c, stride * 2);
            c21 = Vector128.LoadUnsafe(ref c, (stride * 2) + 4);
            c30 = Vector128.LoadUnsafe(ref c, stride * 3);
            c31 = Vector128.LoadUnsafe(ref c, (stride * 3) + 4);
        }
        else
        {
            c00 = Vector128<float>.Zero;
            c01 = Vector128<float>.Zero;
            c10 = Vector128<float>.Zero;
            c11 = Vector128<float>.Zero;
            c20 = Vector128<float>.Zero;
            c21 = Vector128<float>.Zero;
            c30 = Vector128<float>.Zero;
            c31 = Vector128<float>.Zero;
        }

        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.LoadUnsafe(ref b, 0);
            var b1 = Vector128.LoadUnsafe(ref b, 4);
            var a0 = Vector128.Create(Unsafe.Add(ref a, 0));
            c00 = Vector128.MultiplyAddEstimate(a0, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(a0, b1, c01);
            var a1 = Vector128.Create(Unsafe.Add(ref a, 1));
            c10 = Vector128.MultiplyAddEstimate(a1, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(a1, b1, c11);
            var a2 = Vector128.Create(Unsafe.Add(ref a, 2));
            c20 = Vector128.MultiplyAddEstimate(a2, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(a2, b1, c21);
            var a3 = Vector128.Create(Unsafe.Add(ref a, 3));
            c30 = Vector128.MultiplyAddEstimate(a3, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(a3, b1, c31);
            a = ref Unsafe.Add(ref a, aStep);
            b = ref Unsafe.Add(ref b, bStep);
        }

        c00.StoreUnsafe(ref c, 0);
        c01.StoreUnsafe(ref c, 4);
        c10.StoreUnsafe(ref c, stride);
        c11.StoreUnsafe(ref c, stride + 4);
        c20.StoreUnsafe(ref c, stride * 2);
        c21.StoreUnsafe(ref c, (stride * 2) + 4);
        c30.StoreUnsafe(ref c, stride * 3);
        c31.StoreUnsafe(ref c, (stride * 3) + 4);
    }
}
