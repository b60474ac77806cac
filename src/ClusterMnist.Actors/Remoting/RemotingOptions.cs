using System.Net;

namespace ClusterMnist.Actors.Remoting;

/// <summary>Settings of a <see cref="RemotingNode"/>.</summary>
/// <param name="ClusterToken">Shared secret every node must present in its handshake. Never printed.</param>
public sealed record RemotingOptions(string ClusterToken)
{
    /// <summary>Largest envelope accepted or sent; a bigger incoming one closes that connection. Default 64 MiB.</summary>
    public int MaxMessageSize { get; init; } = 64 * 1024 * 1024;

    /// <summary>Large messages are sent as WebSocket frames of at most this many bytes. Default 1 MiB.</summary>
    public int FrameSize { get; init; } = 1024 * 1024;

    /// <summary>How often each side sends a heartbeat. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A connection that delivers nothing for this long is closed and its watchers told. Default 3 s.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Deadline for the Hello/Welcome exchange. Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages queued for one connection before <see cref="IActorRef.Tell"/> reports it full. Default 1024.</summary>
    public int OutboundQueueCapacity { get; init; } = 1024;

    /// <summary>HTTP version of the client's WebSocket request (1.1, or 2.0 for WebSockets over HTTP/2).</summary>
    public Version HttpVersion { get; init; } = System.Net.HttpVersion.Version11;

    /// <summary>Whether the client may fall back from <see cref="HttpVersion"/>.</summary>
    public HttpVersionPolicy HttpVersionPolicy { get; init; } = HttpVersionPolicy.RequestVersionOrLower;

    /// <inheritdoc />
    public override string ToString() =>
        $"RemotingOptions {{ ClusterToken = ***, MaxMessageSize = {MaxMessageSize}, FrameSize = {FrameSize}, HeartbeatInterval = {HeartbeatInterval}, HeartbeatTimeout = {HeartbeatTimeout}, HttpVersion = {HttpVersion} }}";

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(ClusterToken);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(FrameSize, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(HeartbeatTimeout, HeartbeatInterval);
        ArgumentOutOfRangeException.ThrowIfLessThan(OutboundQueueCapacity, 1);
    }
}
