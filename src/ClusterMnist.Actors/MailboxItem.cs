namespace ClusterMnist.Actors;

/// <summary>One queued message with the reference to reply to.</summary>
internal readonly record struct MailboxItem(object Message, IActorRef? Sender);
