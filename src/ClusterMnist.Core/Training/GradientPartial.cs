using System.Numerics.Tensors;
using ClusterMnist.Core.Diagnostics;

namespace ClusterMnist.Core.Training;

/// <summary>
/// What a worker sends for its shards of one step: the exact int32 sum of their quantized gradients
/// (4 bytes per parameter, the only gradient bytes on the wire), and per segment the largest |g| seen and
/// whether any shard overflowed the quantization limit. Every field combines order-free (integer add, max, or).
/// </summary>
public sealed class GradientPartial
{
    private readonly int[] _sums;

    // Reset defers clearing the sums: the next Add copies its first operand instead of adding it to zeros (the
    // same integers, one pass instead of two), and a reader of Sums before that sees them cleared on demand.
    private bool _sumsStale;

    /// <summary>Creates an empty partial for <paramref name="layout"/>.</summary>
    public GradientPartial(GradientLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _sums = new int[layout.ParameterCount];
        MaxAbs = new float[layout.SegmentCount];
        Overflow = new bool[layout.SegmentCount];
    }

    /// <summary>Exact sum of the quantized shard gradients, one int per parameter.</summary>
    public int[] Sums
    {
        get
        {
            if (_sumsStale)
            {
                Array.Clear(_sums);
                _sumsStale = false;
            }
            return _sums;
        }
    }

    /// <summary>Per segment, the largest |g| over the shards (NaN when one was NaN).</summary>
    public float[] MaxAbs { get; }

    /// <summary>Per segment, whether some shard had |g·2^−e| above the limit (or a non-finite value).</summary>
    public bool[] Overflow { get; }

    /// <summary>Shards accumulated into this partial.</summary>
    public int ShardCount { get; internal set; }

    /// <summary>True when any segment overflowed; the step must be redone with larger exponents.</summary>
    public bool AnyOverflow => Overflow.AsSpan().Contains(true);

    /// <summary>True when a gradient contained NaN or ±∞.</summary>
    public bool NonFinite
    {
        get
        {
            foreach (float m in MaxAbs)
            {
                if (!float.IsFinite(m))
                    return true;
            }
            return false;
        }
    }

    // The sums array as stored (possibly stale, see _sumsStale), for the reduction's sliced passes.
    internal int[] StoredSums => _sums;

    internal bool SumsStale => _sumsStale;

    // The sliced passes have written every element of the sums (copied into stale ones, added into current ones).
    internal void MarkSumsCurrent() => _sumsStale = false;

    /// <summary>Combines per-segment maxima and overflow flags and the shard count, but not the sums.</summary>
    internal void AddFacts(ReadOnlySpan<float> maxAbs, ReadOnlySpan<bool> overflow, int shardCount)
    {
        if (maxAbs.Length != MaxAbs.Length || overflow.Length != Overflow.Length)
            throw new ArgumentException($"Expected {MaxAbs.Length} segments, got {maxAbs.Length} maxima and {overflow.Length} flags.");
        ArgumentOutOfRangeException.ThrowIfNegative(shardCount);
        for (int t = 0; t < MaxAbs.Length; t++)
        {
            MaxAbs[t] = CombineMax(MaxAbs[t], maxAbs[t]);
            Overflow[t] |= overflow[t];
        }
        ShardCount += shardCount;
    }

    /// <summary>Clears the partial for the next step without allocating.</summary>
    public void Reset()
    {
        _sumsStale = true;
        Array.Clear(MaxAbs);
        Array.Clear(Overflow);
        ShardCount = 0;
    }

    /// <summary>Adds <paramref name="other"/> into this partial: exact int add, max, or.</summary>
    public void Add(GradientPartial other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._sums.Length != _sums.Length || other.MaxAbs.Length != MaxAbs.Length)
            throw new ArgumentException("The partials have different layouts.", nameof(other));
        // Wrap-around cannot happen: every shard's |q| ≤ L and S·L ≤ int.MaxValue (see ShardPlan.QuantizationLimit).
        AddSums(other.Sums);
        for (int t = 0; t < MaxAbs.Length; t++)
        {
            MaxAbs[t] = CombineMax(MaxAbs[t], other.MaxAbs[t]);
            Overflow[t] |= other.Overflow[t];
        }
        ShardCount += other.ShardCount;
    }

    /// <summary>
    /// Adds a partial received as plain spans (e.g. decoded from the wire): int sums, per-segment max |g| and
    /// overflow flags, and the number of shards it covers. Same exact combination as <see cref="Add(GradientPartial)"/>.
    /// </summary>
    public void Add(ReadOnlySpan<int> sums, ReadOnlySpan<float> maxAbs, ReadOnlySpan<bool> overflow, int shardCount)
    {
        if (sums.Length != _sums.Length || maxAbs.Length != MaxAbs.Length || overflow.Length != Overflow.Length)
        {
            throw new ArgumentException(
                $"Expected {_sums.Length} sums and {MaxAbs.Length} segments, got {sums.Length} sums, {maxAbs.Length} maxima and {overflow.Length} flags.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(shardCount);
        AddSums(sums);
        for (int t = 0; t < MaxAbs.Length; t++)
        {
            MaxAbs[t] = CombineMax(MaxAbs[t], maxAbs[t]);
            Overflow[t] |= overflow[t];
        }
        ShardCount += shardCount;
    }

    /// <summary>
    /// Writes the exact combination of <paramref name="partials"/> (at least one, same layout) into plain spans:
    /// the first partial's sums are copied and the others added (no clearing pass), maxima and overflow flags
    /// combined as in <see cref="Add(GradientPartial)"/>. Returns the number of shards they cover.
    /// </summary>
    public static int Combine(IReadOnlyList<GradientPartial> partials, Span<int> sums, Span<float> maxAbs, Span<bool> overflow)
    {
        ArgumentNullException.ThrowIfNull(partials);
        if (partials.Count == 0)
            throw new ArgumentException("Nothing to combine.", nameof(partials));
        long mark = StepTimings.Start();
        var first = partials[0];
        if (sums.Length != first._sums.Length || maxAbs.Length != first.MaxAbs.Length || overflow.Length != first.Overflow.Length)
            throw new ArgumentException("The destination does not match the partials' layout.");
        first.Sums.CopyTo(sums);
        first.MaxAbs.CopyTo(maxAbs);
        first.Overflow.CopyTo(overflow);
        int shards = first.ShardCount;
        for (int i = 1; i < partials.Count; i++)
        {
            var other = partials[i];
            if (other._sums.Length != sums.Length || other.MaxAbs.Length != maxAbs.Length)
                throw new ArgumentException("The partials have different layouts.", nameof(partials));
            TensorPrimitives.Add(sums, other.Sums, sums);
            for (int t = 0; t < maxAbs.Length; t++)
            {
                maxAbs[t] = CombineMax(maxAbs[t], other.MaxAbs[t]);
                overflow[t] |= other.Overflow[t];
            }
            shards += other.ShardCount;
        }
        StepTimings.Lap(StepPhase.Quantization, mark);
        return shards;
    }

    private void AddSums(ReadOnlySpan<int> sums)
    {
        if (_sumsStale)
        {
            sums.CopyTo(_sums);
            _sumsStale = false;
        }
        else
        {
            TensorPrimitives.Add(_sums, sums, _sums);
        }
    }

    /// <summary>Order-free max that keeps NaN, so divergence is reported whatever the partition.</summary>
    internal static float CombineMax(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Max(a, b);
}
