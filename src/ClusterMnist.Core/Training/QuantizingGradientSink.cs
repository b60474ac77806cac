using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Kernels;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Adds a shard group's gradients into a worker's <see cref="GradientPartial"/> exactly as quantizing each shard's
/// float gradient with <see cref="GradientQuantizer"/> would: per shard and segment t, round(g·2^−e_t) added into the
/// int32 sums, and per segment the max |g| over the shards (NaN kept) and whether some |g·2^−e_t| exceeded the limit.
/// Weight gradients are quantized in the product's epilogue (<see cref="QuantizedGemm"/>), never written as floats;
/// bias gradients are each shard's column sums, quantized as they are made. The network's segments must be the
/// layout's (W1, b1, W2, b2, …).
/// </summary>
internal ref struct QuantizingGradientSink : IGradientSink
{
    private readonly Network _network;
    private readonly ReadOnlySpan<int> _shardRows;
    private readonly ReadOnlySpan<int> _exponents;
    private readonly GradientPartial _partial;
    private readonly float _limit;
    private readonly Span<float> _biasScratch;

    // The partial's sums are stale (cleared on demand): the first shard's integers replace them instead of being added.
    private readonly bool _overwrite;

    public QuantizingGradientSink(
        Network network, ReadOnlySpan<int> shardRows, ReadOnlySpan<int> exponents, GradientPartial partial, float limit, Span<float> biasScratch)
    {
        _network = network;
        _shardRows = shardRows;
        _exponents = exponents;
        _partial = partial;
        _limit = limit;
        _biasScratch = biasScratch;
        _overwrite = partial.SumsStale;
    }

    public readonly void Add(int layer, scoped ReadOnlySpan<float> error, scoped ReadOnlySpan<float> inputs, int inputsWidth, int outputsWidth, ref long mark)
    {
        var sums = _partial.StoredSums.AsSpan();
        int weights = 2 * layer, bias = weights + 1;
        float scale = ReductionExponents.PowerOfTwo(-_exponents[weights]);
        int bits = QuantizedGemm.MultiplyTransposedA(error, inputs, _shardRows, scale,
            sums.Slice(_network.WeightOffset(layer), inputsWidth * outputsWidth), outputsWidth, inputsWidth, _overwrite);
        Record(weights, bits, scale);
        mark = StepTimings.Lap(StepPhase.Gemm, mark);

        scale = ReductionExponents.PowerOfTwo(-_exponents[bias]);
        var biasSums = sums.Slice(_network.BiasOffset(layer), outputsWidth);
        var columnSums = _biasScratch[..outputsWidth];
        bits = 0;
        for (int s = 0, start = 0; s < _shardRows.Length; start += _shardRows[s], s++)
        {
            ColumnSum.Compute(error.Slice(start * outputsWidth, _shardRows[s] * outputsWidth), columnSums, _shardRows[s], outputsWidth);
            bits = Math.Max(bits, QuantizedGemm.QuantizeInto(columnSums, scale, biasSums, _overwrite && s == 0));
        }

        Record(bias, bits, scale);
        mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
    }

    /// <summary>Marks the group's shards as added; call once every layer has been added.</summary>
    public readonly void Complete()
    {
        if (_overwrite)
            _partial.MarkSumsCurrent();
        _partial.ShardCount += _shardRows.Length;
    }

    // |g·2^−e| ≤ L for every element ⇔ max|g|·2^−e ≤ L (scaling by a power of two is exact and monotonic; the double
    // product cannot overflow), and a NaN anywhere makes the max NaN.
    private readonly void Record(int segment, int maxBits, float scale)
    {
        float maxAbs = QuantizedGemm.MaxAbs(maxBits);
        _partial.MaxAbs[segment] = GradientPartial.CombineMax(_partial.MaxAbs[segment], maxAbs);
        if (!((double)maxAbs * scale <= _limit))
            _partial.Overflow[segment] = true;
    }
}
