// ReLU: forward y = max(0, z); backward dz = dy where y > 0, else 0. All spans have the same length.
// The forward is TensorPrimitives.Max; the backward is a masked select TensorPrimitives lacks, written with
// Vector<float> and a scalar tail.
using System.Numerics;
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class ReluKernel
{
    public static void Forward(ReadOnlySpan<float> z, Span<float> y) => TensorPrimitives.Max(z, 0f, y);

    /// <summary>In place: <paramref name="gradient"/> holds dL/dy on entry and dL/dz on exit.</summary>
    public static void Backward(ReadOnlySpan<float> y, Span<float> gradient)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var active = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
                var g = new Vector<float>(gradient[i..]);
                Vector.ConditionalSelect(active, g, Vector<float>.Zero).CopyTo(gradient[i..]);
            }
        }

        for (; i < y.Length; i++)
        {
            gradient[i] = y[i] > 0f ? gradient[i] : 0f;
        }
    }
}
