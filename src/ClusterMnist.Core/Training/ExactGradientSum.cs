// The coordinator's side of the exact reduction: add workers' int32 partials (exact, any order), then turn
// the total into floats with one rounding per element, gradient = (float)(total · 2^e_t). The vector path
// converts int→float (one round-to-nearest-even) and multiplies by the exact power of two, which equals
// the double formula whenever the result is a normal float (2^e_t is kept within the normal range).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Training;

/// <summary>Sums <see cref="GradientPartial"/>s exactly and produces the float gradient of the step.</summary>
public sealed class ExactGradientSum
{
    private readonly GradientLayout _layout;

    /// <summary>Creates an empty sum for <paramref name="layout"/>.</summary>
    public ExactGradientSum(GradientLayout layout)
    {
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        Total = new GradientPartial(layout);
    }

    /// <summary>The running total: int sums, per-segment max |g| and overflow flags.</summary>
    public GradientPartial Total { get; }

    /// <summary>Starts a new step (or a redo).</summary>
    public void Reset() => Total.Reset();

    /// <summary>Adds one worker's partial; order does not matter.</summary>
    public void Add(GradientPartial partial) => Total.Add(partial);

    /// <summary>True when the step must be redone with larger exponents (see <see cref="ReductionExponents.RaiseForRedo"/>).</summary>
    public bool NeedsRedo => Total.AnyOverflow;

    /// <summary>Writes the summed float gradient for <paramref name="exponents"/> into <paramref name="gradient"/>.</summary>
    /// <exception cref="InvalidOperationException">A shard overflowed; redo the step first.</exception>
    public void Produce(ReadOnlySpan<int> exponents, Span<float> gradient)
        => Produce(exponents, gradient, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);

    internal void Produce(ReadOnlySpan<int> exponents, Span<float> gradient, bool use512, bool use256)
    {
        if (gradient.Length != _layout.ParameterCount)
            throw new ArgumentException($"Expected {_layout.ParameterCount} gradient elements.", nameof(gradient));
        if (exponents.Length != _layout.SegmentCount)
            throw new ArgumentException($"Expected {_layout.SegmentCount} exponents.", nameof(exponents));
        if (Total.NonFinite)
            throw new TrainingDivergedException("Training diverged: a gradient became NaN or infinite. Try a lower learning rate.");
        if (Total.AnyOverflow)
            throw new InvalidOperationException("A shard overflowed the quantization limit; redo the step with raised exponents.");
        for (int t = 0; t < _layout.SegmentCount; t++)
        {
            var sums = Total.Sums.AsSpan(_layout.Offset(t), _layout.Length(t));
            var destination = gradient.Slice(_layout.Offset(t), _layout.Length(t));
            Dequantize(sums, destination, exponents[t], use512, use256);
        }
    }

    private static void Dequantize(ReadOnlySpan<int> sums, Span<float> destination, int exponent, bool use512, bool use256)
    {
        ref int s = ref MemoryMarshal.GetReference(sums);
        ref float d = ref MemoryMarshal.GetReference(destination);
        float scale = ReductionExponents.PowerOfTwo(exponent);
        double scaleDouble = Math.ScaleB(1.0, exponent);
        int n = sums.Length, i = 0;
        if (use512)
        {
            var vScale = Vector512.Create(scale);
            for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
                (Vector512.ConvertToSingle(Vector512.LoadUnsafe(ref s, (nuint)i)) * vScale).StoreUnsafe(ref d, (nuint)i);
        }
        if (use256)
        {
            var vScale = Vector256.Create(scale);
            for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
                (Vector256.ConvertToSingle(Vector256.LoadUnsafe(ref s, (nuint)i)) * vScale).StoreUnsafe(ref d, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref d, i) = (float)(Unsafe.Add(ref s, i) * scaleDouble);
    }
}
