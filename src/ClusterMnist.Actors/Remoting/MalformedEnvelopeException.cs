namespace ClusterMnist.Actors.Remoting;

/// <summary>A received message is not a readable envelope (garbage bytes, overrunning lengths, unknown kind).</summary>
internal sealed class MalformedEnvelopeException(string message, Exception? innerException = null) : Exception(message, innerException);
