namespace ClusterMnist.Server;

/// <summary>Marker for the server assembly until the host lands.</summary>
internal static class ServerAssembly
{
}
