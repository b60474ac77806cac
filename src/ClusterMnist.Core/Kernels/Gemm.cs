// Matrix multiplies for dense layers: forward X·Wᵀ, backward dY·W and dYᵀ·X.
// All matrices are dense row-major float32. Results are a deterministic function of the
// inputs and the shape (no threading inside a call), which the exact gradient sum relies on.
// TODO(kernels): replace the reference dispatch with packed, cache-blocked SIMD paths.
namespace ClusterMnist.Core.Kernels;

/// <summary>Fast matrix multiplies used by the layers.</summary>
public static class Gemm
{
    /// <summary>c = a·b (+ c when <paramref name="accumulate"/>). a: m×k, b: k×n, c: m×n.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => GemmReference.Multiply(a, b, c, m, n, k, accumulate);

    /// <summary>c = a·bᵀ (+ c). a: m×k, b: n×k, c: m×n. The dense-layer forward pass X·Wᵀ.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => GemmReference.MultiplyTransposedB(a, b, c, m, n, k, accumulate);

    /// <summary>c = aᵀ·b (+ c). a: k×m, b: k×n, c: m×n. The weight gradient dYᵀ·X.</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => GemmReference.MultiplyTransposedA(a, b, c, m, n, k, accumulate);
}
