// In-register transposes of square float blocks, used to pack step-contiguous operands into
// panels and to write transposed micro-kernel tiles. src rows are srcStride floats apart, dest
// rows destStride apart; dest[p·destStride + i] = src[i·srcStride + p]. Why fast: whole rows
// move as vectors and the transpose is a fixed network of shuffles, no scalar gathers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class RegisterTranspose
{
    // dest[p·destStride + i] = src[i·srcStride + p] for i, p in [0, 16): unpack pairs and shuffle
    // quads inside 128-bit lanes (giving 4×4 transposed blocks), then two rounds of 128-bit lane
    // shuffles move each block into place. 64 shuffles for 256 floats.
    public static void Transpose16x16(ref float src, nint srcStride, ref float dest, int destStride)
    {
        var r0 = Vector512.LoadUnsafe(ref src);
        var r1 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, srcStride));
        var r2 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 2 * srcStride));
        var r3 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 3 * srcStride));
        var r4 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 4 * srcStride));
        var r5 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 5 * srcStride));
        var r6 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 6 * srcStride));
        var r7 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 7 * srcStride));
        var r8 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 8 * srcStride));
        var r9 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 9 * srcStride));
        var r10 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 10 * srcStride));
        var r11 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 11 * srcStride));
        var r12 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 12 * srcStride));
        var r13 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 13 * srcStride));
        var r14 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 14 * srcStride));
        var r15 = Vector512.LoadUnsafe(ref Unsafe.Add(ref src, 15 * srcStride));

        var t0 = Avx512F.UnpackLow(r0, r1);
        var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3);
        var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5);
        var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7);
        var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9);
        var t9 = Avx512F.UnpackHigh(r8, r9);
        var t10 = Avx512F.UnpackLow(r10, r11);
        var t11 = Avx512F.UnpackHigh(r10, r11);
        var t12 = Avx512F.UnpackLow(r12, r13);
        var t13 = Avx512F.UnpackHigh(r12, r13);
        var t14 = Avx512F.UnpackLow(r14, r15);
        var t15 = Avx512F.UnpackHigh(r14, r15);

        // u[4j + c], lane L = column 4L + c of rows 4j..4j+3.
        var u0 = Avx512F.Shuffle(t0, t2, 0x44);
        var u1 = Avx512F.Shuffle(t0, t2, 0xEE);
        var u2 = Avx512F.Shuffle(t1, t3, 0x44);
        var u3 = Avx512F.Shuffle(t1, t3, 0xEE);
        var u4 = Avx512F.Shuffle(t4, t6, 0x44);
        var u5 = Avx512F.Shuffle(t4, t6, 0xEE);
        var u6 = Avx512F.Shuffle(t5, t7, 0x44);
        var u7 = Avx512F.Shuffle(t5, t7, 0xEE);
        var u8 = Avx512F.Shuffle(t8, t10, 0x44);
        var u9 = Avx512F.Shuffle(t8, t10, 0xEE);
        var u10 = Avx512F.Shuffle(t9, t11, 0x44);
        var u11 = Avx512F.Shuffle(t9, t11, 0xEE);
        var u12 = Avx512F.Shuffle(t12, t14, 0x44);
        var u13 = Avx512F.Shuffle(t12, t14, 0xEE);
        var u14 = Avx512F.Shuffle(t13, t15, 0x44);
        var u15 = Avx512F.Shuffle(t13, t15, 0xEE);

        nuint stride = (nuint)destStride;
        var v00 = Avx512F.Shuffle4x128(u0, u4, 0x88);
        var v01 = Avx512F.Shuffle4x128(u0, u4, 0xDD);
        var v02 = Avx512F.Shuffle4x128(u8, u12, 0x88);
        var v03 = Avx512F.Shuffle4x128(u8, u12, 0xDD);
        Avx512F.Shuffle4x128(v00, v02, 0x88).StoreUnsafe(ref dest);
        Avx512F.Shuffle4x128(v01, v03, 0x88).StoreUnsafe(ref dest, 4 * stride);
        Avx512F.Shuffle4x128(v00, v02, 0xDD).StoreUnsafe(ref dest, 8 * stride);
        Avx512F.Shuffle4x128(v01, v03, 0xDD).StoreUnsafe(ref dest, 12 * stride);
        var v10 = Avx512F.Shuffle4x128(u1, u5, 0x88);
        var v11 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        var v12 = Avx512F.Shuffle4x128(u9, u13, 0x88);
        var v13 = Avx512F.Shuffle4x128(u9, u13, 0xDD);
        Avx512F.Shuffle4x128(v10, v12, 0x88).StoreUnsafe(ref dest, stride);
        Avx512F.Shuffle4x128(v11, v13, 0x88).StoreUnsafe(ref dest, 5 * stride);
        Avx512F.Shuffle4x128(v10, v12, 0xDD).StoreUnsafe(ref dest, 9 * stride);
        Avx512F.Shuffle4x128(v11, v13, 0xDD).StoreUnsafe(ref dest, 13 * stride);
        var v20 = Avx512F.Shuffle4x128(u2, u6, 0x88);
        var v21 = Avx512F.Shuffle4x128(u2, u6, 0xDD);
        var v22 = Avx512F.Shuffle4x128(u10, u14, 0x88);
        var v23 = Avx512F.Shuffle4x128(u10, u14, 0xDD);
        Avx512F.Shuffle4x128(v20, v22, 0x88).StoreUnsafe(ref dest, 2 * stride);
        Avx512F.Shuffle4x128(v21, v23, 0x88).StoreUnsafe(ref dest, 6 * stride);
        Avx512F.Shuffle4x128(v20, v22, 0xDD).StoreUnsafe(ref dest, 10 * stride);
        Avx512F.Shuffle4x128(v21, v23, 0xDD).StoreUnsafe(ref dest, 14 * stride);
        var v30 = Avx512F.Shuffle4x128(u3, u7, 0x88);
        var v31 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        var v32 = Avx512F.Shuffle4x128(u11, u15, 0x88);
        var v33 = Avx512F.Shuffle4x128(u11, u15, 0xDD);
        Avx512F.Shuffle4x128(v30, v32, 0x88).StoreUnsafe(ref dest, 3 * stride);
        Avx512F.Shuffle4x128(v31, v33, 0x88).StoreUnsafe(ref dest, 7 * stride);
        Avx512F.Shuffle4x128(v30, v32, 0xDD).StoreUnsafe(ref dest, 11 * stride);
        Avx512F.Shuffle4x128(v31, v33, 0xDD).StoreUnsafe(ref dest, 15 * stride);
    }

    // dest[p·destStride + i] = src[i·srcStride + p] for i, p in [0, 8): unpack pairs, shuffle quads,
    // then swap 128-bit lanes, the standard 24-instruction AVX transpose. Inlined: callers in register-resident loops
    // (DropoutMasks) would otherwise spill their vectors around the call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(ref float src, nint srcStride, ref float dest, int destStride, bool addToDest = false)
    {
        var r0 = Vector256.LoadUnsafe(ref src);
        var r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, srcStride));
        var r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 2 * srcStride));
        var r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 3 * srcStride));
        var r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 4 * srcStride));
        var r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 5 * srcStride));
        var r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 6 * srcStride));
        var r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref src, 7 * srcStride));

        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);

        var q0 = Avx.Shuffle(t0, t2, 0x44);
        var q1 = Avx.Shuffle(t0, t2, 0xEE);
        var q2 = Avx.Shuffle(t1, t3, 0x44);
        var q3 = Avx.Shuffle(t1, t3, 0xEE);
        var q4 = Avx.Shuffle(t4, t6, 0x44);
        var q5 = Avx.Shuffle(t4, t6, 0xEE);
        var q6 = Avx.Shuffle(t5, t7, 0x44);
        var q7 = Avx.Shuffle(t5, t7, 0xEE);

        nuint stride = (nuint)destStride;
        Store(Avx.Permute2x128(q0, q4, 0x20), ref dest, addToDest);
        Store(Avx.Permute2x128(q1, q5, 0x20), ref Unsafe.Add(ref dest, stride), addToDest);
        Store(Avx.Permute2x128(q2, q6, 0x20), ref Unsafe.Add(ref dest, 2 * stride), addToDest);
        Store(Avx.Permute2x128(q3, q7, 0x20), ref Unsafe.Add(ref dest, 3 * stride), addToDest);
        Store(Avx.Permute2x128(q0, q4, 0x31), ref Unsafe.Add(ref dest, 4 * stride), addToDest);
        Store(Avx.Permute2x128(q1, q5, 0x31), ref Unsafe.Add(ref dest, 5 * stride), addToDest);
        Store(Avx.Permute2x128(q2, q6, 0x31), ref Unsafe.Add(ref dest, 6 * stride), addToDest);
        Store(Avx.Permute2x128(q3, q7, 0x31), ref Unsafe.Add(ref dest, 7 * stride), addToDest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> value, ref float dest, bool addToDest)
        => (addToDest ? value + Vector256.LoadUnsafe(ref dest) : value).StoreUnsafe(ref dest);
}
