using System.Numerics.Tensors;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Benchmarks;

/// <summary>
/// The straightforward vectorised baseline: each form written as row loops over TensorPrimitives
/// (a dot product per element for X·Wᵀ, a row multiply-add per term for dY·W and dYᵀ·X).
/// </summary>
public static class SimpleVectorGemm
{
    public static void Run(GemmForm form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k)
    {
        switch (form)
        {
            case GemmForm.Forward:   // a: m×k, b: n×k
                for (int i = 0; i < m; i++)
                {
                    var row = a.Slice(i * k, k);
                    for (int j = 0; j < n; j++)
                    {
                        c[(i * n) + j] = TensorPrimitives.Dot(row, b.Slice(j * k, k));
                    }
                }

                break;
            case GemmForm.BackwardInput:   // a: m×k, b: k×n
                c[..(m * n)].Clear();
                for (int i = 0; i < m; i++)
                {
                    var cRow = c.Slice(i * n, n);
                    for (int p = 0; p < k; p++)
                    {
                        TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), a[(i * k) + p], cRow, cRow);
                    }
                }

                break;
            default:   // a: k×m, b: k×n
                c[..(m * n)].Clear();
                for (int p = 0; p < k; p++)
                {
                    var bRow = b.Slice(p * n, n);
                    for (int i = 0; i < m; i++)
                    {
                        var cRow = c.Slice(i * n, n);
                        TensorPrimitives.MultiplyAdd(bRow, a[(p * m) + i], cRow, cRow);
                    }
                }

                break;
        }
    }
}
