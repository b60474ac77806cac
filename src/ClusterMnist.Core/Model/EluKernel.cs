// ELU (α = 1): forward y = z for z > 0, else eᶻ − 1; backward dz = dy·(1 if y > 0 else y + 1),
// since d(eᶻ − 1)/dz = eᶻ = y + 1. All spans have the same length.
// The forward is three TensorPrimitives calls: expm1(min(z, 0)) is exact for z ≤ 0 and 0 for z > 0,
// and max with z picks z for z > 0 because expm1(z) ≥ z everywhere. The backward is hand-written.
using System.Numerics;
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class EluKernel
{
    public static void Forward(ReadOnlySpan<float> z, Span<float> y)
    {
        TensorPrimitives.Min(z, 0f, y);
        TensorPrimitives.ExpM1(y, y);
        TensorPrimitives.Max(y, z, y);
    }

    /// <summary>In place: <paramref name="gradient"/> holds dL/dy on entry and dL/dz on exit.</summary>
    public static void Backward(ReadOnlySpan<float> y, Span<float> gradient)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(y[i..]);
                var slope = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), Vector<float>.One, v + Vector<float>.One);
                (new Vector<float>(gradient[i..]) * slope).CopyTo(gradient[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            gradient[i] *= y[i] > 0f ? 1f : y[i] + 1f;
        }
    }
}
