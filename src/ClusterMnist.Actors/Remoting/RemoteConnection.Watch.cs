using System.Net.WebSockets;
using ClusterMnist.Actors.Wire;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Remoting;

public sealed partial class RemoteConnection
{
    private readonly object _watchLock = new();
    private readonly HashSet<(string Path, IActorRef Watcher)> _remoteWatches = [];
    private readonly Dictionary<(string Target, string Watcher), (IInternalActorRef Target, RemoteActorRef Watcher)> _localWatches = [];
    private bool _watchesClosed;

    /// <summary>A local <paramref name="watcher"/> wants to know when the remote actor at <paramref name="path"/> stops.</summary>
    internal void WatchRemote(string path, IActorRef watcher)
    {
        lock (_watchLock)
        {
            if (!_watchesClosed)
            {
                if (_remoteWatches.Add((path, watcher)))
                {
                    Post(Write(EnvelopeKind.Watch, target: path, sender: watcher.Path));
                }

                return;
            }
        }

        watcher.Post(new Terminated(new RemoteActorRef(this, path), $"node {RemoteNodeName} disconnected: {CloseReason}"), Node.System);
    }

    internal void UnwatchRemote(string path, IActorRef watcher)
    {
        lock (_watchLock)
        {
            if (_remoteWatches.Remove((path, watcher)) && !_watchesClosed)
            {
                Post(Write(EnvelopeKind.Unwatch, target: path, sender: watcher.Path));
            }
        }
    }

    /// <summary>A remote actor asks to watch a local one.</summary>
    private void WatchLocal(string targetPath, string watcherPath)
    {
        var watcher = new RemoteActorRef(this, watcherPath);
        var target = Node.System.FindInternal(targetPath);
        if (target is null)
        {
            Post(Write(EnvelopeKind.Terminated, target: watcherPath, sender: targetPath, text: "no such actor"));
            return;
        }

        lock (_watchLock)
        {
            if (_watchesClosed)
            {
                return;
            }

            _localWatches[(targetPath, watcherPath)] = (target, watcher);
        }

        target.AddWatcher(watcher);
    }

    private void UnwatchLocal(string targetPath, string watcherPath)
    {
        (IInternalActorRef Target, RemoteActorRef Watcher) watch;
        lock (_watchLock)
        {
            if (!_localWatches.Remove((targetPath, watcherPath), out watch))
            {
                return;
            }
        }

        watch.Target.RemoveWatcher(watch.Watcher);
    }

    /// <summary>Called as a local watched actor's Terminated is sent to its remote watcher.</summary>
    internal void ForgetLocalWatch(string targetPath, string watcherPath)
    {
        lock (_watchLock)
        {
            _localWatches.Remove((targetPath, watcherPath));
        }
    }

    /// <summary>The remote actor at <paramref name="deadPath"/> stopped; tell the local watcher at <paramref name="watcherPath"/>.</summary>
    private void OnRemoteTerminated(string deadPath, string watcherPath, string reason)
    {
        List<IActorRef> watchers;
        lock (_watchLock)
        {
            watchers = [.. _remoteWatches.Where(w => w.Path == deadPath && w.Watcher.Path == watcherPath).Select(w => w.Watcher)];
            foreach (var watcher in watchers)
            {
                _remoteWatches.Remove((deadPath, watcher));
            }
        }

        var dead = new RemoteActorRef(this, deadPath);
        foreach (var watcher in watchers)
        {
            watcher.Post(new Terminated(dead, reason), Node.System);
        }
    }

    private void NotifyWatchersOfDisconnect(string reason)
    {
        (string Path, IActorRef Watcher)[] remote;
        (IInternalActorRef Target, RemoteActorRef Watcher)[] local;
        lock (_watchLock)
        {
            _watchesClosed = true;
            remote = [.. _remoteWatches];
            local = [.. _localWatches.Values];
            _remoteWatches.Clear();
            _localWatches.Clear();
        }

        foreach (var (path, watcher) in remote)
        {
            watcher.Post(new Terminated(new RemoteActorRef(this, path), reason), Node.System);
        }

        foreach (var (target, watcher) in local)
        {
            target.RemoveWatcher(watcher);
        }
    }

    /// <summary>Every interval: declare the peer dead if it has been silent past the deadline, else send a heartbeat.</summary>
    private void OnHeartbeatTimer()
    {
        if (IsClosing)
        {
            return;
        }

        if (Volatile.Read(ref _delivering) != 0)
        {
            // The receive loop is waiting for room in a local mailbox: this node is the slow one, not the peer.
            MarkReceived();
        }

        var silent = Node.System.TimeProvider.GetElapsedTime(Volatile.Read(ref _lastReceived));
        if (silent > Node.Options.HeartbeatTimeout)
        {
            _logger.LogWarning(
                "No heartbeat from node {Node} at {Endpoint} for {Silent:F1} s (deadline {Deadline:F1} s); closing the connection",
                RemoteNodeName,
                RemoteEndpoint,
                silent.TotalSeconds,
                Node.Options.HeartbeatTimeout.TotalSeconds);
            BeginClose($"heartbeat missed: nothing received for {silent.TotalSeconds:F1} s", WebSocketCloseStatus.PolicyViolation, abortAfterCloseFrame: true);
            return;
        }

        var frame = Write(EnvelopeKind.Heartbeat);
        if (!_outbound.Writer.TryWrite(frame))
        {
            // A full queue means frames are flowing anyway; the peer's deadline counts those too.
            frame.Return();
        }
    }
}
