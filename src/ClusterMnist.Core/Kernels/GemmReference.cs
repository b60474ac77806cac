// Naive matrix multiplies: the scalar fallback and the test oracle for Gemm.
// All matrices are dense, row-major float32. Accumulation runs over k in ascending order
// in double precision so the oracle is more accurate than any fast path it checks.
namespace ClusterMnist.Core.Kernels;

/// <summary>Reference (naive) twins of the <see cref="Gemm"/> kernels.</summary>
public static class GemmReference
{
    /// <summary>c = a·b (+ c when <paramref name="accumulate"/>). a: m×k, b: k×n, c: m×n.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        GemmShape.Check(a.Length, b.Length, c.Length, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[(i * n) + j] : 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[(i * k) + p] * b[(p * n) + j];
                }

                c[(i * n) + j] = (float)sum;
            }
        }
    }

    /// <summary>c = a·bᵀ (+ c). a: m×k, b: n×k, c: m×n.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        GemmShape.Check(a.Length, b.Length, c.Length, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[(i * n) + j] : 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[(i * k) + p] * b[(j * k) + p];
                }

                c[(i * n) + j] = (float)sum;
            }
        }
    }

    /// <summary>c = aᵀ·b (+ c). a: k×m, b: k×n, c: m×n.</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        GemmShape.Check(a.Length, b.Length, c.Length, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[(i * n) + j] : 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[(p * m) + i] * b[(p * n) + j];
                }

                c[(i * n) + j] = (float)sum;
            }
        }
    }
}
