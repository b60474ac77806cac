// Inverted dropout on hidden activations: each element is kept with probability 1 − rate and then
// scaled by 1/(1 − rate), so the expected activation is unchanged and inference needs no rescaling.
// The mask is drawn element by element, row-major, from the generator passed in (the network uses
// Rng.ForStream(dropoutSeed, layerIndex)), so it depends only on the seed and never on the thread.
using System.Numerics.Tensors;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Model;

internal static class DropoutKernel
{
    /// <summary>Fills <paramref name="mask"/> with 0 or 1/(1 − rate); y = x·mask.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, float rate, ref Rng rng)
    {
        var scale = 1f / (1f - rate);
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = rng.NextFloat() < rate ? 0f : scale;
        }

        TensorPrimitives.Multiply(x, mask, y);
    }

    /// <summary>In place: dL/dx = dL/dy · mask.</summary>
    public static void Backward(ReadOnlySpan<float> mask, Span<float> gradient) => TensorPrimitives.Multiply(gradient, mask, gradient);
}
