using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// One established, authenticated WebSocket link to another node, either accepted by this node's endpoint or
/// opened by <see cref="RemotingNode.ConnectAsync"/>. Both directions are symmetric: either side may tell, ask and
/// watch actors on the other. When it closes, for whatever reason, local watchers of remote actors get
/// <see cref="Terminated"/> and pending asks fail.
/// </summary>
public sealed partial class RemoteConnection : IAsyncDisposable
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);
    private readonly WebSocket _socket;
    private readonly WebSocketMessageReader _reader;
    private readonly Channel<OutboundFrame> _outbound;
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<ulong, PromiseActorRef> _pendingAsks = new();
    private readonly ILogger _logger;
    private ITimer? _heartbeat;
    private readonly TaskCompletionSource _receiveEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _closeFrameSent = Task.CompletedTask;
    private long _lastReceived;
    private int _delivering;
    private int _closeStarted;
    private string? _closeReason;

    internal RemoteConnection(RemotingNode node, WebSocket socket, string remoteNodeName, string remoteEndpoint)
    {
        Node = node;
        _socket = socket;
        RemoteNodeName = remoteNodeName;
        RemoteEndpoint = remoteEndpoint;
        _logger = node.Logger;
        _reader = new WebSocketMessageReader(socket, node.Options.MaxMessageSize, MarkReceived);
        _outbound = Channel.CreateBounded<OutboundFrame>(new BoundedChannelOptions(node.Options.OutboundQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The other node's name, from the handshake.</summary>
    public string RemoteNodeName { get; }

    /// <summary>Where the other node is: the URI dialled, or the remote address of an accepted socket.</summary>
    public string RemoteEndpoint { get; }

    /// <summary>Completes once the connection is closed and its watchers have been told.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Why the connection closed (or is closing); <c>null</c> while open.</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    internal RemotingNode Node { get; }

    private bool IsClosing => Volatile.Read(ref _closeStarted) != 0;

    /// <summary>A reference to the actor at <paramref name="path"/> (e.g. "/user/coordinator") on the other node.</summary>
    public IActorRef ActorFor(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            throw new ArgumentException($"'{path}' is not an actor path (it must start with '/').", nameof(path));
        }

        return new RemoteActorRef(this, path);
    }

    /// <summary>Closes the connection gracefully; completes with <see cref="Completion"/>.</summary>
    public Task CloseAsync(string reason = "closed by this node")
    {
        BeginClose(reason, WebSocketCloseStatus.NormalClosure, abortAfterCloseFrame: false);
        return Completion;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public override string ToString() => $"{RemoteNodeName} ({RemoteEndpoint})";

    internal void Start()
    {
        var time = Node.System.TimeProvider;
        MarkReceived();
        _heartbeat = time.CreateTimer(_ => OnHeartbeatTimer(), null, Node.Options.HeartbeatInterval, Node.Options.HeartbeatInterval);
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        var sending = SendLoopAsync();
        try
        {
            await ReceiveLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            _receiveEnded.TrySetResult();
        }

        BeginClose("connection closed", WebSocketCloseStatus.NormalClosure, abortAfterCloseFrame: true);
        await _closeFrameSent.ConfigureAwait(false);
        _socket.Abort();
        await sending.ConfigureAwait(false);
        Finish();
    }

    /// <summary>First caller wins: records the reason, stops sending, sends a close frame and eventually aborts the socket.</summary>
    private void BeginClose(string reason, WebSocketCloseStatus status, bool abortAfterCloseFrame)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }

        Volatile.Write(ref _closeReason, reason);
        _closing.Cancel();
        _outbound.Writer.TryComplete();
        _closeFrameSent = SendCloseFrameAsync(status, reason, abortAfterCloseFrame);
    }

    private async Task SendCloseFrameAsync(WebSocketCloseStatus status, string reason, bool abortAfterCloseFrame)
    {
        try
        {
            if (await _sendLock.WaitAsync(CloseGrace).ConfigureAwait(false))
            {
                try
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        using var deadline = new CancellationTokenSource(CloseGrace);
                        await _socket.CloseOutputAsync(status, Truncate(reason), deadline.Token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is already gone; the socket is aborted below either way.
        }

        if (!abortAfterCloseFrame)
        {
            // Wait (bounded) for the receive loop to see the peer's close frame: aborting first would reset the TCP
            // connection, which can destroy our close frame before the peer reads why it was closed.
            await Task.WhenAny(_receiveEnded.Task, Task.Delay(CloseGrace)).ConfigureAwait(false);
        }

        _socket.Abort();
    }

    private void Finish()
    {
        _heartbeat?.Dispose();
        var reason = CloseReason ?? "closed";
        NotifyWatchersOfDisconnect($"node {RemoteNodeName} disconnected: {reason}");
        foreach (var id in _pendingAsks.Keys)
        {
            if (_pendingAsks.TryRemove(id, out var promise))
            {
                promise.Fail(new RemoteConnectionClosedException($"The connection to {RemoteNodeName} closed before the reply to an ask to {promise.TargetDescription}: {reason}"));
            }
        }

        Node.Remove(this);
        _socket.Dispose();
        _logger.LogInformation("Connection to node {Node} at {Endpoint} closed: {Reason}", RemoteNodeName, RemoteEndpoint, reason);
        _completion.TrySetResult();
    }

    private void MarkReceived() => Volatile.Write(ref _lastReceived, Node.System.TimeProvider.GetTimestamp());

    private static string Truncate(string reason)
    {
        // RFC 6455 allows 123 bytes of close reason.
        if (Encoding.UTF8.GetByteCount(reason) <= 123)
        {
            return reason;
        }

        var cut = reason[..Math.Min(reason.Length, 120)];
        while (Encoding.UTF8.GetByteCount(cut) > 120)
        {
            cut = cut[..^1];
        }

        return cut + "...";
    }
}
