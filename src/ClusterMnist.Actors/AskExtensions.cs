namespace ClusterMnist.Actors;

/// <summary>Request/reply on top of <see cref="IActorRef.Tell"/>.</summary>
public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary sender and waits for the first reply, which must be a
    /// <typeparamref name="TReply"/>. The deadline runs on the target system's <see cref="TimeProvider"/>.
    /// </summary>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/>; the message names target and message type.</exception>
    /// <exception cref="InvalidCastException">The reply was of another type.</exception>
    public static async Task<TReply> Ask<TReply>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var system = (target as IInternalActorRef)?.System;
        var time = system?.TimeProvider ?? TimeProvider.System;
        var promise = new PromiseActorRef(system?.NextId() ?? Random.Shared.NextInt64(1, long.MaxValue), target.ToString() ?? target.Path);
        object reply;
        try
        {
            target.Tell(message, promise);
            reply = await promise.Reply.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Ask to {target} with {message.GetType().Name} got no reply within {timeout}.");
        }
        finally
        {
            // Lets a remote connection forget the correlation id of an ask that is over.
            promise.Cancel();
        }

        return reply is TReply typed
            ? typed
            : throw new InvalidCastException($"Ask to {target} with {message.GetType().Name} expected {typeof(TReply).Name} but got {reply.GetType().Name}.");
    }
}
