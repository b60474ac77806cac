namespace ClusterMnist.Cluster;

/// <summary>Marker for the cluster assembly until the protocol lands.</summary>
internal static class ClusterAssembly
{
}
