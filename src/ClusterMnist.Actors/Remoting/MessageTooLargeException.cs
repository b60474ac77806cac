namespace ClusterMnist.Actors.Remoting;

/// <summary>An incoming WebSocket message grew past <see cref="RemotingOptions.MaxMessageSize"/>.</summary>
internal sealed class MessageTooLargeException(long received, int limit)
    : Exception($"Incoming message exceeds the {limit}-byte limit ({received} bytes received so far).");
