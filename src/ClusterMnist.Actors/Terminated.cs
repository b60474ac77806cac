namespace ClusterMnist.Actors;

/// <summary>
/// Delivered to a watcher when a watched actor stops, or when the node it lives on disconnects or misses heartbeats.
/// </summary>
/// <param name="Actor">The reference that was watched.</param>
/// <param name="Reason">Why it is gone, for logs ("stopped", "node worker-1 disconnected: heartbeat missed", ...).</param>
public sealed record Terminated(IActorRef Actor, string Reason);
