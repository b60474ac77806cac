namespace ClusterMnist.Core.Training;

/// <summary>
/// The parameter segments (W1, b1, W2, …) of the flat gradient, each of which gets its own power-of-two
/// exponent in the exact reduction, plus the per-shard quantization limit for the batch size.
/// </summary>
public sealed class GradientLayout
{
    private readonly int[] _offsets;
    private readonly int[] _lengths;

    /// <summary>Creates a layout from (offset, length) segments and the shards per full batch.</summary>
    public GradientLayout(IReadOnlyList<(int Offset, int Length)> segments, int shardsPerBatch)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Count == 0)
            throw new ArgumentException("At least one parameter segment is needed.", nameof(segments));
        _offsets = new int[segments.Count];
        _lengths = new int[segments.Count];
        for (int t = 0; t < segments.Count; t++)
        {
            (int offset, int length) = segments[t];
            if (offset < 0 || length < 0)
                throw new ArgumentException($"Segment {t} has a negative offset or length.", nameof(segments));
            _offsets[t] = offset;
            _lengths[t] = length;
            ParameterCount = Math.Max(ParameterCount, offset + length);
        }
        ShardsPerBatch = shardsPerBatch;
        Limit = ShardPlan.QuantizationLimit(shardsPerBatch);
    }

    /// <summary>Number of segments.</summary>
    public int SegmentCount => _offsets.Length;

    /// <summary>Length of the flat gradient the segments cover.</summary>
    public int ParameterCount { get; }

    /// <summary>Shards in a full batch (S).</summary>
    public int ShardsPerBatch { get; }

    /// <summary>The largest allowed |quantized value| per shard (L).</summary>
    public float Limit { get; }

    /// <summary>First element of segment <paramref name="segment"/>.</summary>
    public int Offset(int segment) => _offsets[segment];

    /// <summary>Elements in segment <paramref name="segment"/>.</summary>
    public int Length(int segment) => _lengths[segment];
}
