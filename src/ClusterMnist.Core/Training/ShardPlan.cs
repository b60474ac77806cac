namespace ClusterMnist.Core.Training;

/// <summary>
/// How one minibatch is cut into micro-shards: fixed runs of <see cref="MicroShardSize"/> consecutive rows in
/// batch order, the last one possibly shorter. The cut depends only on the batch, never on how many workers
/// there are, which is what lets the exact gradient sum give the same bits for any partition of the shards.
/// </summary>
public readonly record struct ShardPlan
{
    /// <summary>Plans <paramref name="batchRows"/> rows in shards of <paramref name="microShardSize"/>.</summary>
    public ShardPlan(int batchRows, int microShardSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microShardSize);
        BatchRows = batchRows;
        MicroShardSize = microShardSize;
    }

    /// <summary>Rows in the batch.</summary>
    public int BatchRows { get; }

    /// <summary>Rows per shard (all but possibly the last).</summary>
    public int MicroShardSize { get; }

    /// <summary>Number of shards, ⌈BatchRows / MicroShardSize⌉.</summary>
    public int ShardCount => (BatchRows + MicroShardSize - 1) / MicroShardSize;

    /// <summary>First batch row of <paramref name="shard"/>.</summary>
    public int ShardStart(int shard) => shard * MicroShardSize;

    /// <summary>Rows in <paramref name="shard"/>.</summary>
    public int ShardRows(int shard) => Math.Min(MicroShardSize, BatchRows - shard * MicroShardSize);

    /// <summary>
    /// The largest quantized magnitude L a shard may contribute so that any sum over up to
    /// <paramref name="shardsPerBatch"/> shards fits in int32: L = ⌊(2³¹−1)/S⌋, rounded down to a float so the
    /// float comparison |g·2^−e| ≤ L is itself exact.
    /// </summary>
    public static float QuantizationLimit(int shardsPerBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardsPerBatch);
        int limit = int.MaxValue / shardsPerBatch;
        float asFloat = limit;
        return asFloat > limit ? MathF.BitDecrement(asFloat) : asFloat;
    }
}
