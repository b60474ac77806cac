// Packs a block of a matrix operand into the zero-padded panels the micro-kernels read.
// Source: element (r, p) of a count×kc block sits at src[r·rowStride + p·stepStride], which
// covers every operand form: A (m×k) has strides (k, 1), Aᵀ storage (k×m) has (1, m),
// B (k×n) has (1, n), Bᵀ storage (n×k) has (k, 1). Destination: ceil(count/width) panels, each
// kc steps of `width` consecutive floats, rows past `count` set to zero. That zero padding is
// how tails are handled: the micro-kernel always runs full width and the padded lanes are
// never stored. Why fast: the step-contiguous form (A row-major, Bᵀ) is transposed in 16×16 or
// 8×8 register blocks; the unit-stride form is only packed for edge panels, as a plain copy.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal static class PanelPacker
{
    /// <summary>Packs rows [0, count) × steps [0, kc) starting at <paramref name="src"/> into <paramref name="dest"/>.</summary>
    public static void Pack(ref float src, nint rowStride, nint stepStride, Span<float> dest, int count, int kc, int width)
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

    // Each step's `rows` values are adjacent in the source: a copy per step. GemmDriver reads full
    // panels of such operands in place and packs only partial edge panels here; the fused
    // weight-gradient kernels pack their b panels with whole-vector copies, and the AVX2 one its
    // 6-wide a panels here (under 3 % of that product's time, measured with perf), so it stays scalar.
    private static void PackContiguousRows(ref float src, nint stepStride, int rows, int kc, int width, ref float panel)
    {
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

    // Each source row is contiguous along the steps: a transpose into the panel. Whole 16×16
    // (AVX-512) or 8×8 (AVX) blocks go through registers; leftover steps and rows are copied one
    // float at a time.
    private static void PackContiguousSteps(ref float src, nint rowStride, int rows, int kc, int width, ref float panel)
    {
        if (rows < width)
        {
            // Zero the padding lanes with one vectorised clear of the whole panel rather than a
            // strided store per step and lane.
            MemoryMarshal.CreateSpan(ref panel, kc * width).Clear();
        }

        int r = 0;
        if (Avx512F.IsSupported && width % 16 == 0)
        {
            for (; r + 16 <= rows; r += 16)
            {
                ref float from = ref Unsafe.Add(ref src, r * rowStride);
                ref float to = ref Unsafe.Add(ref panel, r);
                int p = 0;
                for (; p + 16 <= kc; p += 16)
                {
                    RegisterTranspose.Transpose16x16(ref Unsafe.Add(ref from, p), rowStride, ref Unsafe.Add(ref to, p * width), width);
                }

                CopySteps(ref from, rowStride, 16, p, kc, ref to, width);
            }
        }

        if (Avx.IsSupported && width % 8 == 0)
        {
            for (; r + 8 <= rows; r += 8)
            {
                ref float from = ref Unsafe.Add(ref src, r * rowStride);
                ref float to = ref Unsafe.Add(ref panel, r);
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    RegisterTranspose.Transpose8x8(ref Unsafe.Add(ref from, p), rowStride, ref Unsafe.Add(ref to, p * width), width);
                }

                CopySteps(ref from, rowStride, 8, p, kc, ref to, width);
            }
        }

        CopySteps(ref Unsafe.Add(ref src, r * rowStride), rowStride, rows - r, 0, kc, ref Unsafe.Add(ref panel, r), width);
    }

    // Scalar transpose of `rows` source rows over steps [first, kc).
    private static void CopySteps(ref float from, nint rowStride, int rows, int first, int kc, ref float to, int width)
    {
        for (int i = 0; i < rows; i++)
        {
            ref float row = ref Unsafe.Add(ref from, i * rowStride);
            ref float column = ref Unsafe.Add(ref to, i);
            for (int p = first; p < kc; p++)
            {
                Unsafe.Add(ref column, p * width) = Unsafe.Add(ref row, p);
            }
        }
    }
}
