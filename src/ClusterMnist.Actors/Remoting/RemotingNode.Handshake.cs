using System.Net.WebSockets;
using ClusterMnist.Actors.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Remoting;

public sealed partial class RemotingNode
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Serves one accepted WebSocket until it closes: checks the Hello (cluster token, constant-time), answers
    /// Welcome or Refused, then runs the connection. Returns when the connection is over; never throws for a bad peer.
    /// </summary>
    /// <param name="socket">An accepted server-side socket, e.g. from <c>HttpContext.WebSockets.AcceptWebSocketAsync()</c>.</param>
    /// <param name="remoteEndpoint">The peer's address, for logs.</param>
    /// <param name="cancellationToken">Closes the connection when cancelled (e.g. <c>HttpContext.RequestAborted</c>).</param>
    public async Task AcceptAsync(WebSocket socket, string remoteEndpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Hello hello;
        try
        {
            using var deadline = new CancellationTokenSource(Options.HandshakeTimeout, System.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            var reader = new WebSocketMessageReader(socket, Options.MaxMessageSize, static () => { });
            var message = await reader.ReceiveAsync(linked.Token).ConfigureAwait(false);
            var envelope = message.Type == WebSocketMessageType.Binary
                ? InboundEnvelope.Parse(message.Buffer, message.Length)
                : throw new MalformedEnvelopeException($"expected a binary Hello, got a {message.Type} frame");
            hello = envelope.Kind == EnvelopeKind.Hello
                ? Hello.Parser.ParseFrom(envelope.Payload.Span)
                : throw new MalformedEnvelopeException($"expected Hello, got {envelope.Kind}");
        }
        catch (OperationCanceledException)
        {
            Logger.LogWarning("Node at {Endpoint} sent no handshake within {Timeout}; closing", remoteEndpoint, Options.HandshakeTimeout);
            socket.Abort();
            return;
        }
        catch (Exception exception) when (exception is MalformedEnvelopeException or InvalidProtocolBufferException or MessageTooLargeException or WebSocketException)
        {
            Logger.LogWarning("Bad handshake from {Endpoint}: {Error}; closing", remoteEndpoint, exception.Message);
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.ProtocolError, "bad handshake").ConfigureAwait(false);
            return;
        }

        var refusal = !ClusterToken.Matches(Options.ClusterToken, hello.Token) ? "cluster token mismatch"
            : hello.Protocol != ProtocolVersion ? $"protocol version {hello.Protocol} is not {ProtocolVersion}"
            : null;
        if (refusal is not null)
        {
            Logger.LogWarning("Refused node {Node} from {Endpoint}: {Reason}", hello.Node, remoteEndpoint, refusal);
            await TrySendDirectAsync(socket, EnvelopeWriter.Write(EnvelopeKind.Refused, Options.MaxMessageSize, text: refusal)).ConfigureAwait(false);
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.PolicyViolation, refusal).ConfigureAwait(false);
            return;
        }

        if (!await TrySendDirectAsync(socket, EnvelopeWriter.Write(EnvelopeKind.Welcome, Options.MaxMessageSize, text: System.Name)).ConfigureAwait(false))
        {
            return;
        }

        var connection = new RemoteConnection(this, socket, hello.Node, remoteEndpoint);
        Open(connection);
        using (cancellationToken.Register(() => connection.CloseAsync("the server is shutting down")))
        {
            await connection.Completion.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Dials another node and performs the handshake. Throws <see cref="ClusterHandshakeException"/> when refused
    /// (after logging why), <see cref="TimeoutException"/> when the handshake stalls, and the socket's own exception
    /// when the node is unreachable.
    /// </summary>
    public async Task<RemoteConnection> ConnectAsync(Uri uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = Options.HttpVersion;
        socket.Options.HttpVersionPolicy = Options.HttpVersionPolicy;
        // Liveness is the heartbeat's job, on the system clock; WebSocket pings would only duplicate it.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            using var deadline = new CancellationTokenSource(Options.HandshakeTimeout, System.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            InboundEnvelope reply;
            try
            {
                await socket.ConnectAsync(uri, _invoker, linked.Token).ConfigureAwait(false);
                var hello = new Hello { Token = Options.ClusterToken, Node = System.Name, Protocol = ProtocolVersion };
                var frame = EnvelopeWriter.Write(EnvelopeKind.Hello, Options.MaxMessageSize, payload: hello);
                try
                {
                    await socket.SendAsync(frame.Head, WebSocketMessageType.Binary, true, linked.Token).ConfigureAwait(false);
                }
                finally
                {
                    frame.Return();
                }

                var message = await new WebSocketMessageReader(socket, Options.MaxMessageSize, static () => { }).ReceiveAsync(linked.Token).ConfigureAwait(false);
                if (message.Type == WebSocketMessageType.Close)
                {
                    throw new ClusterHandshakeException($"{uri} closed the connection during the handshake ({message.CloseStatus}: {message.CloseDescription}).");
                }

                reply = InboundEnvelope.Parse(message.Buffer, message.Length);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{uri} did not complete the handshake within {Options.HandshakeTimeout}.");
            }

            switch (reply.Kind)
            {
                case EnvelopeKind.Welcome:
                    var connection = new RemoteConnection(this, socket, reply.Text, uri.ToString());
                    Open(connection);
                    return connection;
                case EnvelopeKind.Refused:
                    Logger.LogError("Node at {Uri} refused this node ({Node}): {Reason}", uri, System.Name, reply.Text);
                    await CloseQuietlyAsync(socket, WebSocketCloseStatus.NormalClosure, "refused").ConfigureAwait(false);
                    throw new ClusterHandshakeException($"The node at {uri} refused node {System.Name}: {reply.Text}. Check that both use the same cluster token.");
                default:
                    throw new ClusterHandshakeException($"The node at {uri} answered the handshake with {reply.Kind}.");
            }
        }
        catch (Exception exception) when (exception is MalformedEnvelopeException or MessageTooLargeException)
        {
            socket.Dispose();
            throw new ClusterHandshakeException($"The node at {uri} sent an unreadable handshake reply: {exception.Message}", exception);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<bool> TrySendDirectAsync(WebSocket socket, OutboundFrame frame)
    {
        try
        {
            using var deadline = new CancellationTokenSource(CloseTimeout);
            // Handshake frames have no attachment: the head is the whole message.
            await socket.SendAsync(frame.Head, WebSocketMessageType.Binary, true, deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Abort();
            return false;
        }
        finally
        {
            frame.Return();
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        try
        {
            using var deadline = new CancellationTokenSource(CloseTimeout);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, reason, deadline.Token).ConfigureAwait(false);
            }

            await WebSocketMessageReader.DrainUntilCloseAsync(socket, CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer is gone already; aborting below is all that is left to do.
        }

        socket.Abort();
    }
}
