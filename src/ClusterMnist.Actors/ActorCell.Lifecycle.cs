namespace ClusterMnist.Actors;

internal sealed partial class ActorCell
{
    private readonly object _watchersLock = new();
    private readonly HashSet<IActorRef> _watchers = [];
    private readonly HashSet<IActorRef> _watching = [];
    private bool _terminated;

    /// <summary>Completes when the actor, its children and its PostStop are done.</summary>
    public Task Completion => _completion.Task;

    public Task RequestStop()
    {
        _stopping.Cancel();
        return _completion.Task;
    }

    public void AddWatcher(IActorRef watcher)
    {
        lock (_watchersLock)
        {
            if (!_terminated)
            {
                _watchers.Add(watcher);
                return;
            }
        }

        watcher.Post(new Terminated(this, "no longer alive"), _system);
    }

    public void RemoveWatcher(IActorRef watcher)
    {
        lock (_watchersLock)
        {
            _watchers.Remove(watcher);
        }
    }

    private async Task StopChildrenAsync()
    {
        await Task.WhenAll(_children.Values.Select(child => child.RequestStop())).ConfigureAwait(false);
    }

    private async Task TerminateAsync(string reason)
    {
        _mailboxClosed = true;
        _mailbox.Writer.TryComplete();
        await StopChildrenAsync().ConfigureAwait(false);
        await RunPostStopAsync().ConfigureAwait(false);
        _actor = null;

        _system.Unregister(this);
        if (_parent is null)
        {
            _system.RemoveTopLevel(this);
        }
        else
        {
            _parent._children.TryRemove(new KeyValuePair<string, ActorCell>(Name, this));
        }

        while (_mailbox.Reader.TryRead(out var item))
        {
            _system.DeadLetter(item.Message, item.Sender, Path);
        }

        foreach (var watched in _watching)
        {
            (watched as IInternalActorRef)?.RemoveWatcher(this);
        }

        _watching.Clear();

        IActorRef[] watchers;
        lock (_watchersLock)
        {
            _terminated = true;
            watchers = [.. _watchers];
            _watchers.Clear();
        }

        foreach (var watcher in watchers)
        {
            watcher.Post(new Terminated(this, reason), _system);
        }

        _completion.TrySetResult();
    }
}
