using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>How a process joins the training cluster: its role, its addresses, the cluster certificate and how fast lost nodes are detected.</summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The default Akka port of the coordinator (and of a worker when it is given none).</summary>
    public const int DefaultPort = 4053;

    /// <summary><see cref="ClusterRoles.Coordinator"/> or <see cref="ClusterRoles.Worker"/>.</summary>
    public required string Role { get; init; }

    /// <summary>The interface Akka.Remote listens on (0.0.0.0: all of them).</summary>
    public string BindHost { get; init; } = "0.0.0.0";

    /// <summary>The port Akka.Remote listens on; 0 picks a free one.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The host name other nodes reach this one by (its address in the cluster); the bind host when that is a specific one.</summary>
    public required string PublicHost { get; init; }

    /// <summary>The coordinator's host, which every node joins through (a coordinator joins itself).</summary>
    public required string SeedHost { get; init; }

    /// <summary>The coordinator's Akka port.</summary>
    public int SeedPort { get; init; } = DefaultPort;

    /// <summary>
    /// The cluster certificate (with its private key) every node presents and accepts, and nothing else: mutual TLS
    /// pinned to it. Null only for an explicitly insecure node (loopback experiments, tests).
    /// </summary>
    public ClusterCertificate? Certificate { get; init; }

    /// <summary>How often nodes send each other cluster heartbeats.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>
    /// Heartbeats may pause this long before the failure detector marks a node unreachable (the coordinator then
    /// moves its shards and downs it). Long enough for a loaded machine's scheduling hiccups and collections.
    /// </summary>
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// How long the split brain resolver waits for a stable picture before it downs the side without the
    /// coordinator (workers cut off from it down themselves and exit, so their supervisor restarts them).
    /// </summary>
    public TimeSpan DowningStableAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a leaving node may take to finish its work before it leaves the cluster (a worker's shards in progress).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a worker without TLS tries to join before it warns that the coordinator may require TLS.</summary>
    internal TimeSpan JoinHintAfter { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Akka.Remote transport adapters between the node and its TCP transport; tests apply the throttler ("trttl") to
    /// blackhole a node. Each adapter also names the address scheme.
    /// </summary>
    internal IReadOnlyList<string> TransportAdapters { get; init; } = [];

    /// <summary>The scheme of the cluster's addresses: akka.ssl.tcp with the certificate, akka.tcp without (with any adapters' names).</summary>
    public string Scheme => "akka." + string.Concat(TransportAdapters.Select(adapter => adapter + ".")) + (Certificate is null ? "tcp" : "ssl.tcp");

    /// <summary>The coordinator's cluster address, which every node joins (an IPv6 host in brackets, as Akka's addresses need).</summary>
    public string SeedAddress => $"{Scheme}://{ClusterMnistAkka.SystemName}@{NetworkHost.WithPort(SeedHost, SeedPort)}";

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (Role is not (ClusterRoles.Coordinator or ClusterRoles.Worker))
            throw new ArgumentException($"The role must be '{ClusterRoles.Coordinator}' or '{ClusterRoles.Worker}', not '{Role}'.", nameof(Role));
        ArgumentException.ThrowIfNullOrWhiteSpace(BindHost);
        ArgumentException.ThrowIfNullOrWhiteSpace(PublicHost);
        ArgumentException.ThrowIfNullOrWhiteSpace(SeedHost);
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        // A coordinator joins itself, at whatever port it bound; every other node needs the coordinator's.
        if (Role == ClusterRoles.Worker)
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SeedPort);
        ArgumentOutOfRangeException.ThrowIfNegative(SeedPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SeedPort, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(AcceptableHeartbeatPause, HeartbeatInterval);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DowningStableAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DrainTimeout, TimeSpan.Zero);
    }
}
