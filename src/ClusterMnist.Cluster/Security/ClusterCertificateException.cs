namespace ClusterMnist.Cluster.Security;

/// <summary>The cluster certificate cannot be used; the message names the file and says what to do.</summary>
public sealed class ClusterCertificateException : Exception
{
    public ClusterCertificateException()
        : this("The cluster certificate cannot be used.")
    {
    }

    public ClusterCertificateException(string message)
        : base(message)
    {
    }

    public ClusterCertificateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
