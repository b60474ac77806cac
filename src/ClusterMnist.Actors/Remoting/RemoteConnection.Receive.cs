using System.Net.WebSockets;
using ClusterMnist.Actors.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Remoting;

public sealed partial class RemoteConnection
{
    /// <summary>Reads envelopes until the socket closes or the peer breaks the protocol; never throws.</summary>
    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var message = await _reader.ReceiveAsync(CancellationToken.None).ConfigureAwait(false);
                if (message.Type == WebSocketMessageType.Close)
                {
                    var reason = $"closed by the other side ({message.CloseStatus}: {message.CloseDescription})";
                    if (!IsClosing)
                    {
                        _logger.LogInformation("Node {Node} at {Endpoint} {Reason}", RemoteNodeName, RemoteEndpoint, reason);
                    }

                    BeginClose(reason, WebSocketCloseStatus.NormalClosure, abortAfterCloseFrame: true);
                    return;
                }

                if (message.Type != WebSocketMessageType.Binary)
                {
                    await CloseForViolationAsync("a text frame arrived; only binary envelopes are allowed", WebSocketCloseStatus.InvalidMessageType).ConfigureAwait(false);
                    return;
                }

                InboundEnvelope envelope;
                try
                {
                    envelope = InboundEnvelope.Parse(message.Buffer, message.Length);
                }
                catch (MalformedEnvelopeException exception)
                {
                    ReceiveBufferPool.Disown(message.Buffer);
                    await CloseForViolationAsync($"an envelope failed to parse ({exception.Message})", WebSocketCloseStatus.InvalidPayloadData).ConfigureAwait(false);
                    return;
                }

                // Only a record whose codec leases its payload may hand the buffer back; anything else keeps it for good.
                if (envelope.Kind is not (EnvelopeKind.User or EnvelopeKind.Reply) || Node.Codecs.ForName(envelope.Type)?.LeasesPayload != true)
                {
                    ReceiveBufferPool.Disown(message.Buffer);
                }

                if (!await DispatchAsync(envelope).ConfigureAwait(false))
                {
                    await WebSocketMessageReader.DrainUntilCloseAsync(_socket, CloseGrace).ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (MessageTooLargeException exception)
        {
            await CloseForViolationAsync(exception.Message, WebSocketCloseStatus.MessageTooBig).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            if (!IsClosing)
            {
                _logger.LogWarning("Connection to node {Node} at {Endpoint} was lost: {Error}", RemoteNodeName, RemoteEndpoint, exception.Message);
            }

            BeginClose($"connection lost ({exception.Message})", WebSocketCloseStatus.EndpointUnavailable, abortAfterCloseFrame: true);
        }
    }

    /// <summary>Delivers one envelope; false when it broke the protocol and the connection is closing.</summary>
    private async Task<bool> DispatchAsync(InboundEnvelope envelope)
    {
        switch (envelope.Kind)
        {
            case EnvelopeKind.Heartbeat:
                return true;
            case EnvelopeKind.User:
                if (!TryDecode(envelope, out var message))
                {
                    return false;
                }

                IActorRef? sender = envelope.Correlation != 0 ? new RemoteReplyRef(this, envelope.Correlation)
                    : envelope.Sender.Length > 0 ? new RemoteActorRef(this, envelope.Sender)
                    : null;
                var target = Node.System.FindInternal(envelope.Target);
                if (target is null)
                {
                    Node.System.DeadLetter(message, sender, envelope.Target);
                    return true;
                }

                // Waiting for mailbox room pushes back on the socket instead of buffering without bound. While we
                // wait, the peer's heartbeats sit unread; the heartbeat check must not blame the peer for that.
                Volatile.Write(ref _delivering, 1);
                try
                {
                    await target.TellAsync(message, sender, _closing.Token).ConfigureAwait(false);
                }
                finally
                {
                    Volatile.Write(ref _delivering, 0);
                }

                return true;
            case EnvelopeKind.Reply:
                if (!TryDecode(envelope, out var reply))
                {
                    return false;
                }

                if (_pendingAsks.TryRemove(envelope.Correlation, out var promise))
                {
                    promise.Tell(reply);
                }
                else
                {
                    _logger.LogDebug("Late reply {MessageType} from node {Node} for an ask that is over", envelope.Type, RemoteNodeName);
                }

                return true;
            case EnvelopeKind.Watch:
                WatchLocal(envelope.Target, envelope.Sender);
                return true;
            case EnvelopeKind.Unwatch:
                UnwatchLocal(envelope.Target, envelope.Sender);
                return true;
            case EnvelopeKind.Terminated:
                OnRemoteTerminated(envelope.Sender, envelope.Target, envelope.Text);
                return true;
            default:
                CloseForViolation($"unexpected {envelope.Kind} envelope after the handshake", WebSocketCloseStatus.ProtocolError);
                return false;
        }
    }

    private bool TryDecode(InboundEnvelope envelope, out object message)
    {
        message = envelope;
        var codec = Node.Codecs.ForName(envelope.Type);
        if (codec is null)
        {
            CloseForViolation($"no codec is registered for message type '{envelope.Type}'", WebSocketCloseStatus.InvalidPayloadData);
            return false;
        }

        try
        {
            message = codec.Decode(envelope.Payload);
            return true;
        }
        catch (Exception exception)
        {
            CloseForViolation($"{envelope.Type} failed to decode ({exception.GetType().Name}: {exception.Message})", WebSocketCloseStatus.InvalidPayloadData);
            return false;
        }
    }

    /// <summary>Logs and starts closing; the caller then stops dispatching and drains until the peer's close frame.</summary>
    private void CloseForViolation(string reason, WebSocketCloseStatus status)
    {
        _logger.LogWarning("Closing the connection to node {Node} at {Endpoint}: {Reason}", RemoteNodeName, RemoteEndpoint, reason);
        BeginClose(reason, status, abortAfterCloseFrame: false);
    }

    private async Task CloseForViolationAsync(string reason, WebSocketCloseStatus status)
    {
        CloseForViolation(reason, status);
        await WebSocketMessageReader.DrainUntilCloseAsync(_socket, CloseGrace).ConfigureAwait(false);
    }
}
