// Plain SGD: θ −= lr·(g + λθ), with λ the L2 weight decay.
// One pass over the flat buffers, Vector512 → Vector256 → scalar tail. No fused multiply-add, so every
// path performs the same IEEE operations and the result does not depend on the machine's vector width.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Optim;

/// <summary>Stochastic gradient descent with optional L2 weight decay; it keeps no state.</summary>
public sealed class SgdOptimizer : IOptimizer
{
    private readonly float _weightDecay;

    /// <summary>Creates SGD with the L2 coefficient <paramref name="weightDecay"/>.</summary>
    public SgdOptimizer(float weightDecay = 0f) => _weightDecay = weightDecay;

    /// <inheritdoc/>
    public int StateLength(int parameterCount) => 0;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, long step, float learningRate)
    {
        Optimizers.CheckLengths(parameters.Length, gradient.Length, state.Length, 0);
        Update(parameters, gradient, learningRate, _weightDecay, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);
    }

    internal static void Update(Span<float> parameters, ReadOnlySpan<float> gradient, float lr, float wd, bool use512, bool use256)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        int n = parameters.Length, i = 0;
        if (use512)
        {
            var vlr = Vector512.Create(lr);
            var vwd = Vector512.Create(wd);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var th = Vector512.LoadUnsafe(ref p, (nuint)i);
                var t = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * th;
                (th - vlr * t).StoreUnsafe(ref p, (nuint)i);
            }
        }
        if (use256)
        {
            var vlr = Vector256.Create(lr);
            var vwd = Vector256.Create(wd);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var th = Vector256.LoadUnsafe(ref p, (nuint)i);
                var t = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * th;
                (th - vlr * t).StoreUnsafe(ref p, (nuint)i);
            }
        }
        // Scalar tail (and the whole buffer without vector hardware).
        for (; i < n; i++)
        {
            float th = Unsafe.Add(ref p, i);
            float t = Unsafe.Add(ref g, i) + wd * th;
            Unsafe.Add(ref p, i) = th - lr * t;
        }
    }
}
