namespace ClusterMnist.Actors;

/// <summary>
/// The temporary sender of an ask: the first message told to it becomes the reply. Remote references recognise
/// it and send its <see cref="Id"/> as the envelope's correlation id instead of a path.
/// </summary>
internal sealed class PromiseActorRef : IActorRef
{
    private readonly TaskCompletionSource<object> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PromiseActorRef(long id, string targetDescription)
    {
        Id = id;
        Path = $"/temp/ask-{id}";
        TargetDescription = targetDescription;
    }

    public long Id { get; }

    public string Path { get; }

    public string TargetDescription { get; }

    public Task<object> Reply => _reply.Task;

    public void Tell(object message, IActorRef? sender = null) => _reply.TrySetResult(message);

    public ValueTask TellAsync(object message, IActorRef? sender = null, CancellationToken cancellationToken = default)
    {
        Tell(message, sender);
        return ValueTask.CompletedTask;
    }

    /// <summary>Fails the ask early, e.g. when the connection carrying it closes.</summary>
    public void Fail(Exception exception) => _reply.TrySetException(exception);

    public void Cancel() => _reply.TrySetCanceled();

    public override string ToString() => Path;
}
