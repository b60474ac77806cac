namespace ClusterMnist.Actors.Remoting;

/// <summary>Fails an ask whose connection closed before the reply came.</summary>
public sealed class RemoteConnectionClosedException : Exception
{
    public RemoteConnectionClosedException(string message) : base(message)
    {
    }

    public RemoteConnectionClosedException()
    {
    }

    public RemoteConnectionClosedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
