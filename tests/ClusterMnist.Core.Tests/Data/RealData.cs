namespace ClusterMnist.Core.Tests.Data;

/// <summary>Where the real data sets are, from CLUSTERMNIST_DATA.</summary>
public static class RealData
{
    /// <summary>The data root, or null when CLUSTERMNIST_DATA is unset (for tests that have a fallback).</summary>
    public static string? Root()
    {
        string? root = Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA");
        return string.IsNullOrEmpty(root) ? null : root;
    }

    /// <summary>
    /// The data root; a test that needs it is reported as skipped (not passed) when CLUSTERMNIST_DATA is unset, so a
    /// run on a fresh machine shows what it did not check. Use in a [SkippableFact] or [SkippableTheory].
    /// </summary>
    public static string Required()
    {
        string? root = Root();
        Skip.If(root is null, "needs CLUSTERMNIST_DATA (the real data sets); .ci/run sets it.");
        return root!;
    }
}
