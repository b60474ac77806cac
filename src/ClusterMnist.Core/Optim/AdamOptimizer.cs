// Adam and AdamW over one flat buffer; state = [m (first moments) | v (second moments)].
//   Adam:  t = g + λθ                  AdamW: θ ← θ − (lr·λ)·θ, t = g   (decoupled decay)
//   m = β1·m + (1−β1)·t;  v = β2·v + (1−β2)·t²;  θ −= lr · (m·c1) / (√(v·c2) + ε)
// with the bias corrections c1 = 1/(1−β1^step), c2 = 1/(1−β2^step) computed once per step in double.
// Vector512 → Vector256 → scalar tail with the same IEEE operations (no FMA; √ is correctly rounded),
// so the result is independent of the vector width.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Optim;

/// <summary>Adam (L2 weight decay) or AdamW (decoupled weight decay) with bias correction.</summary>
public sealed partial class AdamOptimizer : IOptimizer
{
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;
    private readonly float _weightDecay;
    private readonly bool _decoupled;

    /// <summary>Creates Adam, or AdamW when <paramref name="decoupled"/> is true.</summary>
    public AdamOptimizer(float beta1, float beta2, float epsilon, float weightDecay, bool decoupled)
    {
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
        _weightDecay = weightDecay;
        _decoupled = decoupled;
    }

    /// <inheritdoc/>
    public int StateLength(int parameterCount) => 2 * parameterCount;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, long step, float learningRate)
    {
        Optimizers.CheckLengths(parameters.Length, gradient.Length, state.Length, 2 * parameters.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1L);
        Update(parameters, gradient, state, step, learningRate, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);
    }

    internal void Update(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> state, long step, float lr, bool use512, bool use256)
    {
        int n = parameters.Length;
        Update(parameters, gradient, state[..n], state.Slice(n, n), step, lr, use512, use256);
    }

    /// <summary>
    /// The update of the elements of one slice: <paramref name="firstMoments"/> and <paramref name="secondMoments"/>
    /// are the m and v of the same elements as <paramref name="parameters"/> (all of one length). Every element is
    /// updated independently with the same operations, so updating disjoint slices (e.g. on several threads) is
    /// bitwise identical to one <see cref="Step"/> over the whole buffer.
    /// </summary>
    internal void Update(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> firstMoments, Span<float> secondMoments,
        long step, float lr, bool use512, bool use256)
    {
        int n = parameters.Length, i = 0;
        if (gradient.Length != n || firstMoments.Length != n || secondMoments.Length != n)
            throw new ArgumentException("The slices of parameters, gradient and moments differ in length.");
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float m = ref MemoryMarshal.GetReference(firstMoments);
        ref float v = ref MemoryMarshal.GetReference(secondMoments);
        var coefficients = CoefficientsOf(step, lr);
        var (b1, b2, a1, a2, c1, c2, l2, keep) = coefficients;
        float eps = _epsilon;
        if (use512)
        {
            Vector512<float> vb1 = Vector512.Create(b1), vb2 = Vector512.Create(b2), va1 = Vector512.Create(a1), va2 = Vector512.Create(a2);
            Vector512<float> vc1 = Vector512.Create(c1), vc2 = Vector512.Create(c2), veps = Vector512.Create(eps);
            Vector512<float> vl2 = Vector512.Create(l2), vkeep = Vector512.Create(keep), vlr = Vector512.Create(lr);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var th = Vector512.LoadUnsafe(ref p, (nuint)i);
                var t = Vector512.LoadUnsafe(ref g, (nuint)i) + vl2 * th;
                var mm = vb1 * Vector512.LoadUnsafe(ref m, (nuint)i) + va1 * t;
                var vv = vb2 * Vector512.LoadUnsafe(ref v, (nuint)i) + va2 * (t * t);
                mm.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
                (vkeep * th - vlr * (mm * vc1) / (Vector512.Sqrt(vv * vc2) + veps)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        if (use256)
        {
            Vector256<float> vb1 = Vector256.Create(b1), vb2 = Vector256.Create(b2), va1 = Vector256.Create(a1), va2 = Vector256.Create(a2);
            Vector256<float> vc1 = Vector256.Create(c1), vc2 = Vector256.Create(c2), veps = Vector256.Create(eps);
            Vector256<float> vl2 = Vector256.Create(l2), vkeep = Vector256.Create(keep), vlr = Vector256.Create(lr);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var th = Vector256.LoadUnsafe(ref p, (nuint)i);
                var t = Vector256.LoadUnsafe(ref g, (nuint)i) + vl2 * th;
                var mm = vb1 * Vector256.LoadUnsafe(ref m, (nuint)i) + va1 * t;
                var vv = vb2 * Vector256.LoadUnsafe(ref v, (nuint)i) + va2 * (t * t);
                mm.StoreUnsafe(ref m, (nuint)i);
                vv.StoreUnsafe(ref v, (nuint)i);
                (vkeep * th - vlr * (mm * vc1) / (Vector256.Sqrt(vv * vc2) + veps)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref p, i) = UpdateElement(Unsafe.Add(ref g, i), Unsafe.Add(ref p, i), ref Unsafe.Add(ref m, i), ref Unsafe.Add(ref v, i), coefficients, lr);
    }

    private Coefficients CoefficientsOf(long step, float lr) =>
        new(_beta1, _beta2, 1f - _beta1, 1f - _beta2,
            (float)(1.0 / (1.0 - Math.Pow(_beta1, step))), (float)(1.0 / (1.0 - Math.Pow(_beta2, step))),
            _decoupled ? 0f : _weightDecay, _decoupled ? 1f - lr * _weightDecay : 1f);

    // The scalar update of one element, in the vector loops' order of operations: its new θ (m and v updated in place).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float UpdateElement(float g, float th, ref float m, ref float v, Coefficients k, float lr)
    {
        float t = g + k.L2 * th;
        float mm = k.B1 * m + k.A1 * t;
        float vv = k.B2 * v + k.A2 * (t * t);
        m = mm;
        v = vv;
        return k.Keep * th - lr * (mm * k.C1) / (MathF.Sqrt(vv * k.C2) + _epsilon);
    }

    // One step's constants: β1, β2, 1−β1, 1−β2, the bias corrections c1, c2 (in double, rounded once), the L2 term
    // (Adam) and the factor that keeps θ under decoupled decay (AdamW).
    private readonly record struct Coefficients(float B1, float B2, float A1, float A2, float C1, float C2, float L2, float Keep);
}
