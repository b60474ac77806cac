namespace ClusterMnist.Cluster.DataPlane;

/// <summary>A data-plane connection could not be opened or is closed; the message names the peer and the reason.</summary>
public sealed class DataPlaneException : IOException
{
    public DataPlaneException()
        : this("The data-plane connection failed.")
    {
    }

    public DataPlaneException(string message)
        : base(message)
    {
    }

    public DataPlaneException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
