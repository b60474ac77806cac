namespace ClusterMnist.Actors;

/// <summary>
/// How to make an actor: the factory is called again on every restart, so an instance's fields never outlive a failure.
/// </summary>
/// <param name="Factory">Creates a fresh actor instance.</param>
/// <param name="MailboxCapacity">Bounded mailbox size; <c>null</c> takes the system default.</param>
public sealed record Props(Func<Actor> Factory, int? MailboxCapacity = null)
{
    /// <summary>Props for an actor made by <paramref name="factory"/>.</summary>
    public static Props Create(Func<Actor> factory, int? mailboxCapacity = null) => new(factory, mailboxCapacity);
}
