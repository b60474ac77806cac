using System.Numerics.Tensors;

namespace ClusterMnist.Core.Training;

/// <summary>
/// What a worker sends for its shards of one step: the exact int32 sum of their quantized gradients
/// (4 bytes per parameter, the only gradient bytes on the wire), and per segment the largest |g| seen and
/// whether any shard overflowed the quantization limit. Every field combines order-free (integer add, max, or).
/// </summary>
public sealed class GradientPartial
{
    /// <summary>Creates an empty partial for <paramref name="layout"/>.</summary>
    public GradientPartial(GradientLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Sums = new int[layout.ParameterCount];
        MaxAbs = new float[layout.SegmentCount];
        Overflow = new bool[layout.SegmentCount];
    }

    /// <summary>Exact sum of the quantized shard gradients, one int per parameter.</summary>
    public int[] Sums { get; }

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

    /// <summary>Clears the partial for the next step without allocating.</summary>
    public void Reset()
    {
        Array.Clear(Sums);
        Array.Clear(MaxAbs);
        Array.Clear(Overflow);
        ShardCount = 0;
    }

    /// <summary>Adds <paramref name="other"/> into this partial: exact int add, max, or.</summary>
    public void Add(GradientPartial other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Sums.Length != Sums.Length || other.MaxAbs.Length != MaxAbs.Length)
            throw new ArgumentException("The partials have different layouts.", nameof(other));
        // Wrap-around cannot happen: every shard's |q| ≤ L and S·L ≤ int.MaxValue (see ShardPlan.QuantizationLimit).
        TensorPrimitives.Add(Sums, other.Sums, Sums);
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
        if (sums.Length != Sums.Length || maxAbs.Length != MaxAbs.Length || overflow.Length != Overflow.Length)
        {
            throw new ArgumentException(
                $"Expected {Sums.Length} sums and {MaxAbs.Length} segments, got {sums.Length} sums, {maxAbs.Length} maxima and {overflow.Length} flags.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(shardCount);
        TensorPrimitives.Add(Sums, sums, Sums);
        for (int t = 0; t < MaxAbs.Length; t++)
        {
            MaxAbs[t] = CombineMax(MaxAbs[t], maxAbs[t]);
            Overflow[t] |= overflow[t];
        }
        ShardCount += shardCount;
    }

    /// <summary>Order-free max that keeps NaN, so divergence is reported whatever the partition.</summary>
    internal static float CombineMax(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : Math.Max(a, b);
}
