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

    // Each step's `rows` values are adjacent in the source: one block copy per step.
    private static void PackContiguousRows(ref float src, nint stepStride, int rows, int kc, int width, ref float panel)
    {
        for (int p = 0; p < kc; p++)
        {
            ref float from = ref Unsafe.Add(ref src, p * stepStride);
            ref float to = ref Unsafe.Add(ref panel, p * width);
            MemoryMarshal.CreateReadOnlySpan(ref from, rows).CopyTo(MemoryMarshal.CreateSpan(ref to, rows));
            if (rows < width)
            {
                MemoryMarshal.CreateSpan(ref Unsafe.Add(ref to, rows), width - rows).Clear();
            }
        }
    }

    // Each source row is contiguous along the steps: a transpose into the panel.
    private static void PackContiguousSteps(ref float src, nint rowStride, int rows, int kc, int width, ref float panel)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float from = ref Unsafe.Add(ref src, r * rowStride);
            ref float to = ref Unsafe.Add(ref panel, r);
            for (int p = 0; p < kc; p++)
            {
                Unsafe.Add(ref to, p * width) = Unsafe.Add(ref from, p);
            }
        }

        for (int r = rows; r < width; r++)
        {
            ref float to = ref Unsafe.Add(ref panel, r);
            for (int p = 0; p < kc; p++)
            {
                Unsafe.Add(ref to, p * width) = 0f;
            }
        }
    }
}
