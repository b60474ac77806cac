namespace ClusterMnist.Cluster.Coordinator;

/// <summary>Splits a list of shards into contiguous runs, one per worker, in proportion to the workers' cores.</summary>
internal static class ShardAssigner
{
    /// <summary>
    /// Worker w gets shards[⌊n·C_{w}/C⌋ .. ⌊n·C_{w+1}/C⌋) where C_w is the sum of the cores before it; some runs may be
    /// empty when there are fewer shards than workers. Which worker gets which shard never changes the result.
    /// </summary>
    public static int[][] Split(IReadOnlyList<int> shards, IReadOnlyList<int> cores)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(cores);
        if (cores.Count == 0)
            throw new ArgumentException("At least one worker is needed.", nameof(cores));
        long total = 0;
        foreach (int c in cores)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(c, nameof(cores));
            total += c;
        }
        var runs = new int[cores.Count][];
        long before = 0;
        int start = 0;
        for (int w = 0; w < cores.Count; w++)
        {
            before += cores[w];
            int end = (int)(shards.Count * before / total);
            runs[w] = new int[end - start];
            for (int i = start; i < end; i++)
                runs[w][i - start] = shards[i];
            start = end;
        }
        return runs;
    }
}
