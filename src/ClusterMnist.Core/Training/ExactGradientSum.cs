// The coordinator's side of the exact reduction: add workers' int32 partials (exact, any order), then turn
// the total into floats with one rounding per element, gradient = (float)(total · 2^e_t). The vector path
// converts int→float (one round-to-nearest-even) and multiplies by the exact power of two, which equals
// the double formula whenever the result is a normal float (2^e_t is kept within the normal range).
// Partials can be added lazily (AddDeferred): their int32 sums are then added slice by slice in
// the same pass that produces the gradient (ProduceRange), on as many threads as the caller slices the
// parameters into — integer addition and the per-element dequantization do not depend on the slicing.
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ClusterMnist.Core.Training;

/// <summary>Sums <see cref="GradientPartial"/>s exactly and produces the float gradient of the step.</summary>
public sealed class ExactGradientSum
{
    private readonly GradientLayout _layout;
    private readonly List<ReadOnlyMemory<int>> _deferred = [];

    /// <summary>Creates an empty sum for <paramref name="layout"/>.</summary>
    public ExactGradientSum(GradientLayout layout)
    {
        _layout = layout ?? throw new ArgumentNullException(nameof(layout));
        Total = new GradientPartial(layout);
    }

    /// <summary>
    /// The running total: int sums, per-segment max |g| and overflow flags. While a partial is deferred
    /// (<see cref="AddDeferred"/>) its sums are not yet in <c>Total.Sums</c>; producing the gradient adds them.
    /// </summary>
    public GradientPartial Total { get; }

    /// <summary>True while a deferred partial's sums wait to be added by <see cref="Produce(ReadOnlySpan{int}, Span{float})"/>.</summary>
    public bool HasDeferred => _deferred.Count > 0;

    /// <summary>Starts a new step (or a redo); a deferred partial is dropped.</summary>
    public void Reset()
    {
        _deferred.Clear();
        Total.Reset();
    }

    /// <summary>Adds one worker's partial; order does not matter.</summary>
    public void Add(GradientPartial partial)
    {
        FlushDeferred();
        Total.Add(partial);
    }

    /// <summary>Adds one partial received as plain spans (see <see cref="GradientPartial.Add(ReadOnlySpan{int}, ReadOnlySpan{float}, ReadOnlySpan{bool}, int)"/>).</summary>
    public void Add(ReadOnlySpan<int> sums, ReadOnlySpan<float> maxAbs, ReadOnlySpan<bool> overflow, int shardCount)
    {
        FlushDeferred();
        Total.Add(sums, maxAbs, overflow, shardCount);
    }

    /// <summary>
    /// Adds one partial whose per-segment facts are combined now and whose int sums are added while the gradient is
    /// produced (fused with it, and sliced across threads by <see cref="ProduceRange(ReadOnlySpan{int}, Span{float}, int, int)"/>). <paramref name="sums"/> must
    /// stay unchanged until <see cref="Produce(ReadOnlySpan{int}, Span{float})"/> or <see cref="CompleteProduce"/>
    /// (or <see cref="Reset"/>). Several partials may be deferred; an <see cref="Add(GradientPartial)"/> adds them first.
    /// </summary>
    public void AddDeferred(ReadOnlyMemory<int> sums, ReadOnlySpan<float> maxAbs, ReadOnlySpan<bool> overflow, int shardCount)
    {
        if (sums.Length != _layout.ParameterCount)
            throw new ArgumentException($"Expected {_layout.ParameterCount} sums, got {sums.Length}.", nameof(sums));
        Total.AddFacts(maxAbs, overflow, shardCount);
        _deferred.Add(sums);
    }

    /// <summary>Adds the deferred partials' sums into <c>Total.Sums</c> now (serially).</summary>
    public void FlushDeferred()
    {
        foreach (var sums in _deferred)
            Total.Add(sums.Span, Total.MaxAbs, Total.Overflow, 0);
        _deferred.Clear();
    }

    /// <summary>True when the step must be redone with larger exponents (see <see cref="ReductionExponents.RaiseForRedo"/>).</summary>
    public bool NeedsRedo => Total.AnyOverflow;

    /// <summary>Writes the summed float gradient for <paramref name="exponents"/> into <paramref name="gradient"/>.</summary>
    /// <exception cref="InvalidOperationException">A shard overflowed; redo the step first.</exception>
    public void Produce(ReadOnlySpan<int> exponents, Span<float> gradient)
        => Produce(exponents, gradient, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);

    internal void Produce(ReadOnlySpan<int> exponents, Span<float> gradient, bool use512, bool use256)
    {
        CheckProducible(exponents, gradient.Length);
        FlushDeferred();
        for (int t = 0; t < _layout.SegmentCount; t++)
        {
            var sums = Total.Sums.AsSpan(_layout.Offset(t), _layout.Length(t));
            var destination = gradient.Slice(_layout.Offset(t), _layout.Length(t));
            Dequantize(sums, destination, exponents[t], use512, use256);
        }
    }

    /// <summary>
    /// Checks, before a sliced <see cref="ProduceRange(ReadOnlySpan{int}, Span{float}, int, int)"/>, what <see cref="Produce(ReadOnlySpan{int}, Span{float})"/> checks.
    /// </summary>
    /// <exception cref="TrainingDivergedException">A gradient was NaN or infinite.</exception>
    /// <exception cref="InvalidOperationException">A shard overflowed; redo the step first.</exception>
    public void CheckProducible(ReadOnlySpan<int> exponents, int gradientLength)
    {
        if (gradientLength != _layout.ParameterCount)
            throw new ArgumentException($"Expected {_layout.ParameterCount} gradient elements.", nameof(gradientLength));
        if (exponents.Length != _layout.SegmentCount)
            throw new ArgumentException($"Expected {_layout.SegmentCount} exponents.", nameof(exponents));
        if (Total.NonFinite)
            throw new TrainingDivergedException("Training diverged: a gradient became NaN or infinite. Try a lower learning rate.");
        if (Total.AnyOverflow)
            throw new InvalidOperationException("A shard overflowed the quantization limit; redo the step with raised exponents.");
    }

    /// <summary>
    /// Produces elements [<paramref name="start"/>, <paramref name="end"/>) of the gradient (after
    /// <see cref="CheckProducible"/>), first adding that range of a deferred partial's sums. Disjoint ranges may run
    /// on different threads at once; when all of them are done, call <see cref="CompleteProduce"/>. The result is
    /// bitwise that of <see cref="Produce(ReadOnlySpan{int}, Span{float})"/> whatever the ranges.
    /// </summary>
    public void ProduceRange(ReadOnlySpan<int> exponents, Span<float> gradient, int start, int end)
        => ProduceRange(exponents, gradient, start, end, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);

    internal void ProduceRange(ReadOnlySpan<int> exponents, Span<float> gradient, int start, int end, bool use512, bool use256)
        => ProduceRangeInto(exponents, gradient[start..end], start, use512, use256);

    /// <summary>
    /// As <see cref="ProduceRange(ReadOnlySpan{int}, Span{float}, int, int)"/> for elements [<paramref name="start"/>,
    /// start + destination.Length), written to <paramref name="destination"/>[0..]: a caller that consumes the gradient
    /// chunk by chunk can keep it in a small buffer instead of a whole-length one.
    /// </summary>
    internal void ProduceRangeInto(ReadOnlySpan<int> exponents, Span<float> destination, int start, bool use512, bool use256)
    {
        int end = start + destination.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(end, _layout.ParameterCount);
        var total = Total.StoredSums.AsSpan(start, end - start);
        int next = 0;
        if (Total.SumsStale)
        {
            // The total holds nothing yet: write it from the first one or two deferred partials in one pass.
            if (_deferred.Count == 0)
            {
                total.Clear();
            }
            else if (_deferred.Count == 1)
            {
                _deferred[0].Span[start..end].CopyTo(total);
                next = 1;
            }
            else
            {
                TensorPrimitives.Add(_deferred[0].Span[start..end], _deferred[1].Span[start..end], total);
                next = 2;
            }
        }
        for (; next < _deferred.Count; next++)
            TensorPrimitives.Add(total, _deferred[next].Span[start..end], total);
        for (int t = 0; t < _layout.SegmentCount; t++)
        {
            int from = Math.Max(start, _layout.Offset(t)), to = Math.Min(end, _layout.Offset(t) + _layout.Length(t));
            if (from < to)
                Dequantize(Total.StoredSums.AsSpan(from, to - from), destination[(from - start)..(to - start)], exponents[t], use512, use256);
        }
    }

    /// <summary>
    /// For a pass that adds the partials itself (fused with the optimizer): when nothing has been added into the total
    /// yet and one or two partials are deferred, gives their sums (<paramref name="second"/> empty for one) and the
    /// total's storage, which the pass must fill with their sum over every element before <see cref="CompleteProduce"/>.
    /// </summary>
    internal bool TryTakeDeferredPair(out ReadOnlyMemory<int> first, out ReadOnlyMemory<int> second, out int[] total)
    {
        total = Total.StoredSums;
        first = second = default;
        if (!Total.SumsStale || _deferred.Count is not (1 or 2))
            return false;
        first = _deferred[0];
        if (_deferred.Count == 2)
            second = _deferred[1];
        return true;
    }

    /// <summary>Ends a sliced production: every range has been produced, so the total holds every partial's sums.</summary>
    public void CompleteProduce()
    {
        _deferred.Clear();
        Total.MarkSumsCurrent();
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
