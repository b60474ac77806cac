// Hyperbolic tangent: forward y = tanh(z) (TensorPrimitives.Tanh); backward dz = dy·(1 − y²),
// computed from the saved output. All spans have the same length.
using System.Numerics;
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class TanhKernel
{
    public static void Forward(ReadOnlySpan<float> z, Span<float> y) => TensorPrimitives.Tanh(z, y);

    /// <summary>In place: <paramref name="gradient"/> holds dL/dy on entry and dL/dz on exit.</summary>
    public static void Backward(ReadOnlySpan<float> y, Span<float> gradient)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(y[i..]);
                (new Vector<float>(gradient[i..]) * (Vector<float>.One - (v * v))).CopyTo(gradient[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            gradient[i] *= 1f - (y[i] * y[i]);
        }
    }
}
