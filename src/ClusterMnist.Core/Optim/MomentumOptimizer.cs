// Heavy-ball and Nesterov momentum over one flat buffer; state = one velocity per parameter.
//   t = g + λθ;  v = μv + t;  heavy ball: θ −= lr·v;  Nesterov: θ −= lr·(t + μv)   (PyTorch's formulation)
// Vector512 → Vector256 → scalar tail with the same IEEE operations (no FMA), so all paths agree bitwise.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Optim;

/// <summary>Momentum SGD (heavy ball or Nesterov) with optional L2 weight decay.</summary>
public sealed class MomentumOptimizer : IOptimizer
{
    private readonly float _momentum;
    private readonly float _weightDecay;
    private readonly bool _nesterov;

    /// <summary>Creates momentum SGD with coefficient <paramref name="momentum"/> (μ).</summary>
    public MomentumOptimizer(float momentum, float weightDecay, bool nesterov)
    {
        _momentum = momentum;
        _weightDecay = weightDecay;
        _nesterov = nesterov;
    }

    /// <inheritdoc/>
    public int StateLength(int parameterCount) => parameterCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, long step, float learningRate)
    {
        Optimizers.CheckLengths(parameters.Length, gradient.Length, state.Length, parameters.Length);
        Update(parameters, gradient, state, learningRate, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);
    }

    internal void Update(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> velocity, float lr, bool use512, bool use256)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float v = ref MemoryMarshal.GetReference(velocity);
        float mu = _momentum, wd = _weightDecay;
        // Nesterov steps along t + μv; heavy ball along v. Selecting with a 0/1 weight keeps one loop body.
        float useT = _nesterov ? 1f : 0f, useMu = _nesterov ? mu : 1f;
        int n = parameters.Length, i = 0;
        if (use512)
        {
            Vector512<float> vlr = Vector512.Create(lr), vwd = Vector512.Create(wd), vmu = Vector512.Create(mu);
            Vector512<float> vt = Vector512.Create(useT), vm = Vector512.Create(useMu);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var th = Vector512.LoadUnsafe(ref p, (nuint)i);
                var t = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * th;
                var vel = vmu * Vector512.LoadUnsafe(ref v, (nuint)i) + t;
                vel.StoreUnsafe(ref v, (nuint)i);
                (th - vlr * (vt * t + vm * vel)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        if (use256)
        {
            Vector256<float> vlr = Vector256.Create(lr), vwd = Vector256.Create(wd), vmu = Vector256.Create(mu);
            Vector256<float> vt = Vector256.Create(useT), vm = Vector256.Create(useMu);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var th = Vector256.LoadUnsafe(ref p, (nuint)i);
                var t = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * th;
                var vel = vmu * Vector256.LoadUnsafe(ref v, (nuint)i) + t;
                vel.StoreUnsafe(ref v, (nuint)i);
                (th - vlr * (vt * t + vm * vel)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float th = Unsafe.Add(ref p, i);
            float t = Unsafe.Add(ref g, i) + wd * th;
            float vel = mu * Unsafe.Add(ref v, i) + t;
            Unsafe.Add(ref v, i) = vel;
            Unsafe.Add(ref p, i) = th - lr * (useT * t + useMu * vel);
        }
    }
}
