// Block floating point quantization of one micro-shard's float gradient into an int32 partial:
//   per segment t with exponent e_t:  q = roundToNearestEven(g · 2^−e_t),  partial += q
// and per segment the max |g| and whether some |g · 2^−e_t| exceeded the limit L (NaN/∞ count as exceeding).
// Multiplying by an exact power of two and rounding to an integer are exact IEEE operations, and integer
// addition is associative, so the Vector512, Vector256 and scalar paths give identical partials, and any
// grouping of shards into partials sums to identical totals. One pass, no allocation.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Training;

/// <summary>Adds micro-shard float gradients into a <see cref="GradientPartial"/> exactly.</summary>
public sealed class GradientQuantizer
{
    private readonly GradientLayout _layout;

    /// <summary>Creates a quantizer for <paramref name="layout"/>.</summary>
    public GradientQuantizer(GradientLayout layout) => _layout = layout ?? throw new ArgumentNullException(nameof(layout));

    /// <summary>The layout this quantizer was built for.</summary>
    public GradientLayout Layout => _layout;

    /// <summary>
    /// Quantizes <paramref name="gradient"/> (one shard's gradient, already divided by the batch size) with
    /// <paramref name="exponents"/> and adds it into <paramref name="partial"/>.
    /// </summary>
    public void Accumulate(ReadOnlySpan<float> gradient, ReadOnlySpan<int> exponents, GradientPartial partial)
        => Accumulate(gradient, exponents, partial, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);

    internal void Accumulate(ReadOnlySpan<float> gradient, ReadOnlySpan<int> exponents, GradientPartial partial, bool use512, bool use256)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (gradient.Length != _layout.ParameterCount || partial.Sums.Length != _layout.ParameterCount)
            throw new ArgumentException($"Expected {_layout.ParameterCount} gradient elements and partial sums.");
        if (exponents.Length != _layout.SegmentCount)
            throw new ArgumentException($"Expected {_layout.SegmentCount} exponents, got {exponents.Length}.", nameof(exponents));
        for (int t = 0; t < _layout.SegmentCount; t++)
        {
            var g = gradient.Slice(_layout.Offset(t), _layout.Length(t));
            var sums = partial.Sums.AsSpan(_layout.Offset(t), _layout.Length(t));
            float scale = ReductionExponents.PowerOfTwo(-exponents[t]);
            bool overflow = QuantizeSegment(g, sums, scale, _layout.Limit, out float maxAbs, use512, use256);
            if (overflow)
            {
                // Rare path: recompute the max so that NaN is kept (the vector max may drop it).
                maxAbs = g.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(g));
                partial.Overflow[t] = true;
            }
            partial.MaxAbs[t] = GradientPartial.CombineMax(partial.MaxAbs[t], maxAbs);
        }
        partial.ShardCount++;
    }

    private static bool QuantizeSegment(ReadOnlySpan<float> gradient, Span<int> sums, float scale, float limit,
        out float maxAbs, bool use512, bool use256)
    {
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref int s = ref MemoryMarshal.GetReference(sums);
        int n = gradient.Length, i = 0;
        float max = 0f;
        bool overflow = false;
        if (use512 && n >= Vector512<float>.Count)
        {
            Vector512<float> vScale = Vector512.Create(scale), vLimit = Vector512.Create(limit), vMax = Vector512<float>.Zero;
            Vector512<int> bad = Vector512<int>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref g, (nuint)i);
                var x = v * vScale;
                // !(|x| ≤ L) is also true for NaN, so non-finite gradients are caught as overflow.
                bad |= ~Vector512.LessThanOrEqual(Vector512.Abs(x), vLimit).AsInt32();
                vMax = Vector512.MaxNative(vMax, Vector512.Abs(v));
                (Vector512.LoadUnsafe(ref s, (nuint)i) + Vector512.ConvertToInt32(Vector512.Round(x))).StoreUnsafe(ref s, (nuint)i);
            }
            overflow = bad != Vector512<int>.Zero;
            for (int lane = 0; lane < Vector512<float>.Count; lane++)
                max = MathF.Max(max, vMax.GetElement(lane));
        }
        if (use256 && n - i >= Vector256<float>.Count)
        {
            Vector256<float> vScale = Vector256.Create(scale), vLimit = Vector256.Create(limit), vMax = Vector256<float>.Zero;
            Vector256<int> bad = Vector256<int>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref g, (nuint)i);
                var x = v * vScale;
                bad |= ~Vector256.LessThanOrEqual(Vector256.Abs(x), vLimit).AsInt32();
                vMax = Vector256.MaxNative(vMax, Vector256.Abs(v));
                (Vector256.LoadUnsafe(ref s, (nuint)i) + Vector256.ConvertToInt32(Vector256.Round(x))).StoreUnsafe(ref s, (nuint)i);
            }
            overflow |= bad != Vector256<int>.Zero;
            for (int lane = 0; lane < Vector256<float>.Count; lane++)
                max = MathF.Max(max, vMax.GetElement(lane));
        }
        // Scalar tail (and the whole segment without vector hardware): the same exact operations.
        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref g, i);
            float x = v * scale;
            overflow |= !(MathF.Abs(x) <= limit);
            max = MathF.Max(max, MathF.Abs(v));
            Unsafe.Add(ref s, i) += (int)MathF.Round(x);
        }
        maxAbs = max;
        return overflow;
    }
}
