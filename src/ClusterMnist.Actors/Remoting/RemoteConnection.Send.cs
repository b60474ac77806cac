using System.Net.WebSockets;
using System.Threading.Channels;
using ClusterMnist.Actors.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Remoting;

public sealed partial class RemoteConnection
{
    internal OutboundFrame Write(
        EnvelopeKind kind, string target = "", string sender = "", string type = "", IMessage? payload = null, ulong correlation = 0, string text = "",
        OutboundAttachment attachment = default) =>
        EnvelopeWriter.Write(kind, Node.Options.MaxMessageSize, target, sender, type, payload, correlation, text, attachment);

    /// <summary>
    /// Queues a frame; throws <see cref="MailboxFullException"/> when the outbound queue is full (the frame is then
    /// discarded: its attachment stays with the caller). A frame for a closed connection is dropped as a dead letter.
    /// </summary>
    internal void Enqueue(OutboundFrame frame)
    {
        if (_outbound.Writer.TryWrite(frame))
        {
            return;
        }

        if (IsClosing)
        {
            frame.Return();
            Node.System.DeadLetter(frame.Description, $"{RemoteNodeName} (connection closed)");
            return;
        }

        frame.Discard();
        throw new MailboxFullException(
            $"The outbound queue to node {RemoteNodeName} is full ({Node.Options.OutboundQueueCapacity} messages); {frame.Description} was not sent.");
    }

    /// <summary>Queues a frame, waiting while the outbound queue is full.</summary>
    internal async ValueTask EnqueueAsync(OutboundFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            await _outbound.Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            frame.Return();
            Node.System.DeadLetter(frame.Description, $"{RemoteNodeName} (connection closed)");
        }
        catch (OperationCanceledException)
        {
            // The tell throws, so the caller keeps the attachment's memory.
            frame.Discard();
            throw;
        }
    }

    /// <summary>Queues a runtime frame (watch, heartbeat) without ever throwing.</summary>
    private void Post(OutboundFrame frame)
    {
        if (!_outbound.Writer.TryWrite(frame))
        {
            _ = EnqueueAsync(frame, CancellationToken.None).AsTask();
        }
    }

    /// <summary>Remembers an ask so its REPLY can find it; the entry goes when the ask ends either way.</summary>
    internal ulong RegisterAsk(PromiseActorRef promise)
    {
        var id = (ulong)promise.Id;
        _pendingAsks[id] = promise;
        promise.Reply.ContinueWith(_ => _pendingAsks.TryRemove(id, out PromiseActorRef? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (IsClosing && _pendingAsks.TryRemove(id, out _))
        {
            promise.Fail(new RemoteConnectionClosedException($"The connection to {RemoteNodeName} is closed: {CloseReason}"));
        }

        return id;
    }

    /// <summary>
    /// The path the other node should reply to. Only this node's own actors can be named: a reference to an actor
    /// elsewhere means nothing to the other side, so the message then travels without a sender.
    /// </summary>
    internal string SenderPathOf(IActorRef? sender) =>
        sender is IInternalActorRef local and not RemoteActorRef && ReferenceEquals(local.System, Node.System) ? sender.Path : "";

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                try
                {
                    await _sendLock.WaitAsync(_closing.Token).ConfigureAwait(false);
                    try
                    {
                        await SendFramesAsync(frame).ConfigureAwait(false);
                    }
                    finally
                    {
                        _sendLock.Release();
                    }
                }
                finally
                {
                    frame.Return();
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closing: unsent frames are released below.
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or IOException)
        {
            if (!IsClosing)
            {
                _logger.LogWarning("Sending to node {Node} at {Endpoint} failed: {Error}", RemoteNodeName, RemoteEndpoint, exception.Message);
            }

            BeginClose($"send failed: {exception.Message}", WebSocketCloseStatus.EndpointUnavailable, abortAfterCloseFrame: true);
        }
        finally
        {
            while (_outbound.Reader.TryRead(out var unsent))
            {
                unsent.Return();
            }
        }
    }

    /// <summary>
    /// Sends one envelope as one WebSocket message: the frame's head, then its attachment straight from the message's
    /// memory, each split into WebSocket frames of at most FrameSize bytes.
    /// </summary>
    private async Task SendFramesAsync(OutboundFrame frame)
    {
        await SendPartAsync(frame.Head, endOfMessage: frame.Tail.IsEmpty).ConfigureAwait(false);
        if (!frame.Tail.IsEmpty)
        {
            await SendPartAsync(frame.Tail, endOfMessage: true).ConfigureAwait(false);
        }
    }

    private async Task SendPartAsync(ReadOnlyMemory<byte> bytes, bool endOfMessage)
    {
        var frameSize = Node.Options.FrameSize;
        var offset = 0;
        do
        {
            var count = Math.Min(frameSize, bytes.Length - offset);
            var last = endOfMessage && offset + count == bytes.Length;
            await _socket.SendAsync(bytes.Slice(offset, count), WebSocketMessageType.Binary, last, CancellationToken.None).ConfigureAwait(false);
            offset += count;
        }
        while (offset < bytes.Length);
    }
}
