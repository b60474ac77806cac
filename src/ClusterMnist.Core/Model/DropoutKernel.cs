// Inverted dropout on hidden activations: each element is kept with probability 1 − rate and then
// scaled by 1/(1 − rate), so the expected activation is unchanged and inference needs no rescaling.
// The mask is drawn element by element, row-major, from the generator passed in (the network uses
// Rng.ForStream(dropoutSeed, layerIndex)), so it depends only on the seed and never on the thread.
// An element is dropped when the generator's next float, u·2^−24 with u the top 24 bits of its next output, is below
// the rate, i.e. when u < ⌈rate·2^24⌉: the same decision as Rng.NextFloat() < rate, without the conversion. Why fast:
// the generator's four words stay in registers for the whole span (through a ref parameter they went to memory and
// back at every element), and the mask and the masked activations are written in the same loop.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Model;

internal static class DropoutKernel
{
    /// <summary>Fills <paramref name="mask"/> with 0 or 1/(1 − rate); y = x·mask.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> mask, Span<float> y, float rate, ref Rng rng)
    {
        int n = mask.Length;
        if (x.Length < n || y.Length < n)
            throw new ArgumentException($"The mask covers {n} elements; x holds {x.Length} and y {y.Length}.");
        var scale = 1f / (1f - rate);
        ulong threshold = DropThreshold(rate);
        var state = rng.State;
        ulong s0 = state.S0, s1 = state.S1, s2 = state.S2, s3 = state.S3;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ms = ref MemoryMarshal.GetReference(mask);
        ref float ys = ref MemoryMarshal.GetReference(y);
        for (int i = 0; i < n; i++)
        {
            // xoshiro256** exactly as Rng.NextUInt64.
            ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = ulong.RotateLeft(s3, 45);
            float m = (result >> 40) < threshold ? 0f : scale;
            Unsafe.Add(ref ms, i) = m;
            Unsafe.Add(ref ys, i) = Unsafe.Add(ref xs, i) * m;
        }

        rng = Rng.FromState(new RngState(s0, s1, s2, s3));
    }

    /// <summary>In place: dL/dx = dL/dy · mask.</summary>
    public static void Backward(ReadOnlySpan<float> mask, Span<float> gradient) => TensorPrimitives.Multiply(gradient, mask, gradient);

    /// <summary>⌈rate·2^24⌉: a 24-bit draw u has u·2^−24 &lt; rate exactly when u is below it (rate·2^24 is exact in double).</summary>
    internal static ulong DropThreshold(float rate) => (ulong)Math.Ceiling(rate * (double)(1 << 24));
}
