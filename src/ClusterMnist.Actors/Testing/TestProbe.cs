using System.Globalization;
using System.Threading.Channels;

namespace ClusterMnist.Actors.Testing;

/// <summary>
/// An actor reference that records what it is told, for tests. It is registered in the system under
/// "/probe/{name}", so remote nodes can reply to it, and it can watch other actors. Waits are real time and
/// always bounded by the timeout given.
/// </summary>
public sealed class TestProbe : IInternalActorRef, IDisposable
{
    private readonly Channel<MailboxItem> _received = Channel.CreateUnbounded<MailboxItem>();
    private readonly object _watchersLock = new();
    private readonly HashSet<IActorRef> _watchers = [];
    private bool _disposed;

    /// <summary>Creates and registers a probe in <paramref name="system"/>.</summary>
    public TestProbe(ActorSystem system, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
        Path = "/probe/" + (name ?? system.NextId().ToString(CultureInfo.InvariantCulture));
        system.Register(this);
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public ActorSystem System { get; }

    /// <summary>Sender of the last message taken by an Expect call.</summary>
    public IActorRef? LastSender { get; private set; }

    /// <inheritdoc />
    public void Tell(object message, IActorRef? sender = null) => _received.Writer.TryWrite(new MailboxItem(message, sender));

    /// <inheritdoc />
    public ValueTask TellAsync(object message, IActorRef? sender = null, CancellationToken cancellationToken = default)
    {
        Tell(message, sender);
        return ValueTask.CompletedTask;
    }

    /// <summary>Takes the next message, which must be a <typeparamref name="T"/> (and match <paramref name="predicate"/>).</summary>
    public async Task<T> ExpectMessageAsync<T>(TimeSpan timeout, Func<T, bool>? predicate = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        MailboxItem item;
        try
        {
            item = await _received.Reader.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Path} expected a {typeof(T).Name} within {timeout} but got nothing.");
        }

        LastSender = item.Sender;
        if (item.Message is not T typed)
        {
            throw new InvalidOperationException($"{Path} expected a {typeof(T).Name} but got {item.Message}.");
        }

        return predicate is null || predicate(typed)
            ? typed
            : throw new InvalidOperationException($"{Path} got {item.Message}, which does not match the expectation.");
    }

    /// <summary>Fails if any message arrives within <paramref name="duration"/>.</summary>
    public async Task ExpectNoMessageAsync(TimeSpan duration)
    {
        using var window = new CancellationTokenSource(duration);
        try
        {
            var item = await _received.Reader.ReadAsync(window.Token).ConfigureAwait(false);
            throw new InvalidOperationException($"{Path} expected no message for {duration} but got {item.Message}.");
        }
        catch (OperationCanceledException)
        {
            // Nothing arrived: that is the expectation.
        }
    }

    /// <summary>Tells <paramref name="message"/> to the sender of the last expected message.</summary>
    public void Reply(object message) =>
        (LastSender ?? throw new InvalidOperationException($"{Path} has no sender to reply to.")).Tell(message, this);

    /// <summary>Delivers <see cref="Terminated"/> to this probe when <paramref name="actor"/> stops or its node is lost.</summary>
    public void Watch(IActorRef actor) =>
        (actor as IInternalActorRef ?? throw new ArgumentException($"{actor} does not support death watch.", nameof(actor))).AddWatcher(this);

    public void Unwatch(IActorRef actor) => (actor as IInternalActorRef)?.RemoveWatcher(this);

    /// <summary>Unregisters the probe and tells its watchers it is gone.</summary>
    public void Dispose()
    {
        IActorRef[] watchers;
        lock (_watchersLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            watchers = [.. _watchers];
        }

        System.Unregister(this);
        foreach (var watcher in watchers)
        {
            watcher.Post(new Terminated(this, "probe disposed"), System);
        }
    }

    void IInternalActorRef.AddWatcher(IActorRef watcher)
    {
        lock (_watchersLock)
        {
            if (!_disposed)
            {
                _watchers.Add(watcher);
                return;
            }
        }

        watcher.Post(new Terminated(this, "probe disposed"), System);
    }

    void IInternalActorRef.RemoveWatcher(IActorRef watcher)
    {
        lock (_watchersLock)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Path;
}
