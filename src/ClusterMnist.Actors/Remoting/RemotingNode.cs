using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// Makes an <see cref="ActorSystem"/> reachable over WebSockets. The server side hands accepted sockets to
/// <see cref="AcceptAsync"/> (a Kestrel app calls it from <c>app.Map("/cluster", …)</c>); the client side dials with
/// <see cref="ConnectAsync"/> or <see cref="ConnectWithRetryAsync"/>. Works on any <see cref="System.Net.WebSockets.WebSocket"/>,
/// so this library needs no ASP.NET.
/// </summary>
/// <example>
/// Coordinator host (Kestrel):
/// <code>
/// app.UseWebSockets();
/// app.Map("/cluster", async context =>
/// {
///     using var socket = await context.WebSockets.AcceptWebSocketAsync();
///     await remoting.AcceptAsync(socket, $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}", context.RequestAborted);
/// });
/// </code>
/// Worker:
/// <code>
/// var connection = await remoting.ConnectWithRetryAsync(new Uri("ws://coordinator:8080/cluster"), ReconnectPolicy.Default, ct);
/// connection.ActorFor("/user/coordinator").Tell(new RegisterWorker(...), Self);
/// </code>
/// </example>
public sealed partial class RemotingNode : IAsyncDisposable
{
    private const uint ProtocolVersion = 1;
    private readonly ConcurrentDictionary<RemoteConnection, byte> _connections = new();
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler());

    /// <summary>Creates the node; the codec registry may still be filled until the first connection opens.</summary>
    public RemotingNode(ActorSystem system, RemotingOptions options, MessageCodecRegistry codecs)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(codecs);
        options.Validate();
        System = system;
        Options = options;
        Codecs = codecs;
        Logger = system.LoggerFactory.CreateLogger("ClusterMnist.Actors.Remoting");
    }

    /// <summary>Raised once a node has connected and passed the handshake (either direction).</summary>
    public event Action<RemoteConnection>? ConnectionOpened;

    public ActorSystem System { get; }

    public RemotingOptions Options { get; }

    public MessageCodecRegistry Codecs { get; }

    /// <summary>Open connections.</summary>
    public IReadOnlyCollection<RemoteConnection> Connections => [.. _connections.Keys];

    internal ILogger Logger { get; }

    /// <summary>
    /// Retries <see cref="ConnectAsync"/> with capped exponential backoff (on the system's clock) while the other node
    /// is unreachable. A refusal (<see cref="ClusterHandshakeException"/>) is not retried: a wrong token stays wrong.
    /// </summary>
    public async Task<RemoteConnection> ConnectWithRetryAsync(Uri uri, ReconnectPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        policy ??= ReconnectPolicy.Default;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsTransient(exception) && !cancellationToken.IsCancellationRequested && attempt < policy.MaxAttempts)
            {
                var delay = policy.DelayAfter(attempt);
                Logger.LogWarning(
                    "Could not reach {Uri} (attempt {Attempt}): {Error}; retrying in {Delay}",
                    uri,
                    attempt,
                    exception.Message,
                    delay);
                await Task.Delay(delay, System.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Connections.Select(connection => connection.CloseAsync("node shutting down"))).ConfigureAwait(false);
        _invoker.Dispose();
    }

    internal void Remove(RemoteConnection connection) => _connections.TryRemove(connection, out _);

    private static bool IsTransient(Exception exception) =>
        exception is global::System.Net.WebSockets.WebSocketException or HttpRequestException or IOException or TimeoutException;

    private void Open(RemoteConnection connection)
    {
        _connections[connection] = 0;
        connection.Start();
        Logger.LogInformation("Connected to node {Node} at {Endpoint}", connection.RemoteNodeName, connection.RemoteEndpoint);
        ConnectionOpened?.Invoke(connection);
    }
}
