namespace ClusterMnist.Cluster.Hosting;

/// <summary>The roles of the cluster's nodes.</summary>
public static class ClusterRoles
{
    /// <summary>The coordinator's node: the seed, and the oldest node the split brain resolver keeps.</summary>
    public const string Coordinator = "coordinator";

    /// <summary>A worker's node.</summary>
    public const string Worker = "worker";
}
