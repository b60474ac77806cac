using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors;

/// <summary>
/// Sends from the runtime itself (Terminated notices, timer ticks) must neither throw into unrelated code nor be
/// lost: a full mailbox makes them wait in the background instead.
/// </summary>
internal static class ActorRefPosting
{
    public static void Post(this IActorRef target, object message, ActorSystem system, IActorRef? sender = null)
    {
        try
        {
            target.Tell(message, sender);
        }
        catch (MailboxFullException)
        {
            _ = DeliverWhenRoomAsync(target, message, sender, system);
        }
        catch (Exception exception)
        {
            LogLost(system, target, message, exception);
        }
    }

    private static async Task DeliverWhenRoomAsync(IActorRef target, object message, IActorRef? sender, ActorSystem system)
    {
        try
        {
            await target.TellAsync(message, sender).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogLost(system, target, message, exception);
        }
    }

    private static void LogLost(ActorSystem system, IActorRef target, object message, Exception exception) =>
        system.LoggerFactory.CreateLogger("ClusterMnist.Actors.Runtime")
            .LogWarning(exception, "Could not deliver {MessageType} to {Target}", message.GetType().Name, target);
}
