namespace ClusterMnist.Core.Tests.Data;

/// <summary>Where the real data sets are, from CLUSTERMNIST_DATA; null (and the test returns early) when unset.</summary>
public static class RealData
{
    public static string? Root()
    {
        string? root = Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA");
        if (string.IsNullOrEmpty(root))
        {
            Console.WriteLine("CLUSTERMNIST_DATA is not set: skipping a test that needs the real data sets.");
            return null;
        }

        return root;
    }
}
