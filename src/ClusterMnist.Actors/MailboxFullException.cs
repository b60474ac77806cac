namespace ClusterMnist.Actors;

/// <summary>Thrown by <see cref="IActorRef.Tell"/> when the target's bounded mailbox has no room.</summary>
public sealed class MailboxFullException : Exception
{
    public MailboxFullException(string message) : base(message)
    {
    }

    public MailboxFullException()
    {
    }

    public MailboxFullException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
