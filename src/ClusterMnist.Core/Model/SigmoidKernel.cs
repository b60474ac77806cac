// Logistic sigmoid: forward y = 1/(1 + e⁻ᶻ) (TensorPrimitives.Sigmoid); backward dz = dy·y·(1 − y),
// computed from the saved output so the pre-activation need not be kept. All spans have the same length.
using System.Numerics;
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class SigmoidKernel
{
    public static void Forward(ReadOnlySpan<float> z, Span<float> y)
    {
        // TensorPrimitives.Sigmoid rejects empty spans; an empty batch is simply nothing to do.
        if (!z.IsEmpty)
        {
            TensorPrimitives.Sigmoid(z, y);
        }
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
                (new Vector<float>(gradient[i..]) * v * (Vector<float>.One - v)).CopyTo(gradient[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            gradient[i] *= y[i] * (1f - y[i]);
        }
    }
}
