// Inverted dropout on hidden activations: each element is kept with probability 1 − rate and then
// scaled by 1/(1 − rate), so the expected activation is unchanged and inference needs no rescaling.
// The masks are drawn by DropoutMasks (one stream per shard and layer, Rng.ForStream(dropoutSeed, layerIndex), so they
// depend only on the seed and never on the thread); an element is dropped when the stream's next float,
// u·2^−24 with u the top 24 bits of its next output, is below the rate, i.e. when u < ⌈rate·2^24⌉.
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class DropoutKernel
{
    /// <summary>In place: dL/dx = dL/dy · mask.</summary>
    public static void Backward(ReadOnlySpan<float> mask, Span<float> gradient) => TensorPrimitives.Multiply(gradient, mask, gradient);

    /// <summary>⌈rate·2^24⌉: a 24-bit draw u has u·2^−24 &lt; rate exactly when u is below it (rate·2^24 is exact in double).</summary>
    internal static ulong DropThreshold(float rate) => (ulong)Math.Ceiling(rate * (double)(1 << 24));
}
