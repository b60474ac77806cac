// Packs a block of a matrix operand into the zero-padded panels the micro-kernels read.
// Source: element (r, p) of a count×kc block sits at src[r·rowStride + p·stepStride], which
// covers every operand form: A (m×k) has strides (k, 1), Aᵀ storage (k×m) has (1, m),
// B (k×n) has (1, n), Bᵀ storage (n×k) has (k, 1). Destination: ceil(count/width) panels, each
// kc steps of `width` consecutive floats, rows past `count` set to zero. That zero padding is
// how tails are handled: the micro-kernel always runs full width and the padded lanes are
// never stored. Why fast: the unit-stride form is a straight copy per step; the step-contiguous
// form (A row-major, Bᵀ) is transposed 8×8 at a time in registers when 256-bit vectors exist.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class PanelPacker
{
    /// <summary>Packs rows [0, count) × steps [0, kc) starting at <paramref name="src"/> into <paramref name="dest"/>.</summary>
    public static void Pack(ref float src, nint rowStride, nint stepStride, int count, int kc, int width, Span<float> dest)
    {
        ref float d = ref MemoryMarshal.GetReference(dest);
        for (int r0 = 0; r0 < count; r0 += width)
        {
            int rows = Math.Min(width, count - r0);
            ref float panelSrc = ref Unsafe.Add(ref src, r0 * rowStride);
            ref float panel = ref Unsafe.Add(ref d, r0 * kc);
            if (rowStride == 1)
            {
                PackContiguousRows(ref panelSrc, stepStride, rows, kc, width, ref panel);
            }
            else
            {
                PackContiguousSteps(ref panelSrc, rowStride, rows, kc, width, ref panel);
            }
        }
    }

    // Each step's `rows` values are adjacent in the source: a copy per step, in 256-bit vectors
    // for full panels (a memmove call per step would cost more than the copy for 8–32 floats).
    private static void PackContiguousRows(ref float src, nint stepStride, int rows, int kc, int width, ref float panel)
    {
        if (rows == width && width % Vector256<float>.Count == 0 && Vector256.IsHardwareAccelerated)
        {
            for (int p = 0; p < kc; p++)
            {
                ref float from = ref Unsafe.Add(ref src, p * stepStride);
                ref float to = ref Unsafe.Add(ref panel, p * width);
                for (int r = 0; r < width; r += Vector256<float>.Count)
                {
                    Vector256.LoadUnsafe(ref from, (nuint)r).StoreUnsafe(ref to, (nuint)r);
                }
            }

            return;
        }

        for (int p = 0; p < kc; p++)
        {
            ref float from = ref Unsafe.Add(ref src, p * stepStride);
            ref float to = ref Unsafe.Add(ref panel, p * width);
            for (int r = 0; r < rows; r++)
            {
                Unsafe.Add(ref to, r) = Unsafe.Add(ref from, r);
            }

            for (int r = rows; r < width; r++)
            {
                Unsafe.Add(ref to, r) = 0f;
            }
        }
    }

    // Each source row is contiguous along the steps: a transpose into the panel. Whole 8×8 blocks
    // go through registers (AVX); leftover steps and rows are copied one float at a time.
    private static void PackContiguousSteps(ref float src, nint rowStride, int rows, int kc, int width, ref float panel)
    {
        int r = 0;
        if (Avx.IsSupported && width % 8 == 0)
        {
            for (; r + 8 <= rows; r += 8)
            {
                ref float from = ref Unsafe.Add(ref src, r * rowStride);
                ref float to = ref Unsafe.Add(ref panel, r);
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref from, p), rowStride, ref Unsafe.Add(ref to, p * width), width);
                }

                for (; p < kc; p++)
                {
                    for (int i = 0; i < 8; i++)
                    {
                        Unsafe.Add(ref to, (p * width) + i) = Unsafe.Add(ref from, (i * rowStride) + p);
                    }
                }
            }
        }

        for (; r < rows; r++)
        {
            ref float from = ref Unsafe.Add(ref src, r * rowStride);
            ref float to = ref Unsafe.Add(ref panel, r);
            for (int p = 0; p < kc; p++)
            {
                Unsafe.Add(ref to, p * width) = Unsafe.Add(ref from, p);
            }
        }

        for (r = rows; r < width; r++)
        {
            ref float to = ref Unsafe.Add(ref panel, r);
            for (int p = 0; p < kc; p++)
            {
                Unsafe.Add(ref to, p * width) = 0f;
            }
        }
    }

    // dest[p·destStride + i] = src[i·srcStride + p] for i, p in [0, 8): unpack pairs, shuffle quads,
    // then swap 128-bit lanes, the standard 24-instruction AVX transpose.
    private static void Transpose8x8(ref float src, nint srcStride, ref float dest, int destStride)
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
        Avx.Permute2x128(q0, q4, 0x20).StoreUnsafe(ref dest);
        Avx.Permute2x128(q1, q5, 0x20).StoreUnsafe(ref dest, stride);
        Avx.Permute2x128(q2, q6, 0x20).StoreUnsafe(ref dest, 2 * stride);
        Avx.Permute2x128(q3, q7, 0x20).StoreUnsafe(ref dest, 3 * stride);
        Avx.Permute2x128(q0, q4, 0x31).StoreUnsafe(ref dest, 4 * stride);
        Avx.Permute2x128(q1, q5, 0x31).StoreUnsafe(ref dest, 5 * stride);
        Avx.Permute2x128(q2, q6, 0x31).StoreUnsafe(ref dest, 6 * stride);
        Avx.Permute2x128(q3, q7, 0x31).StoreUnsafe(ref dest, 7 * stride);
    }
}
