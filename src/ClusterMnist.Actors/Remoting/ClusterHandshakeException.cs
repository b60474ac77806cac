namespace ClusterMnist.Actors.Remoting;

/// <summary>The other node refused this one (wrong cluster token) or answered the handshake with something else.</summary>
public sealed class ClusterHandshakeException : Exception
{
    public ClusterHandshakeException(string message) : base(message)
    {
    }

    public ClusterHandshakeException()
    {
    }

    public ClusterHandshakeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
