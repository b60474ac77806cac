using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Server.Hosting;

/// <summary>How a <see cref="CoordinatorServer"/> listens, forms its cluster and runs its coordinator.</summary>
public sealed record CoordinatorServerSettings
{
    /// <summary>Where Kestrel serves the web page and HTTP API, e.g. <c>http://0.0.0.0:8080</c>; port 0 picks a free port (tests).</summary>
    public string Url { get; init; } = "http://0.0.0.0:8080";

    /// <summary>The coordinator's cluster node: Akka port, bind and public host, the cluster certificate, failure detection.</summary>
    public required ClusterNodeOptions Node { get; init; }

    /// <summary>The data plane's TCP port (on the node's bind host), where workers on other hosts stream tensors; 0 picks a free one.</summary>
    public int DataPlanePort { get; init; } = 4054;

    /// <summary>
    /// Encrypt the data plane with TLS and the cluster certificate (on by default). Off only on a network trusted not
    /// to read or alter tensors; workers are still authenticated by one-time tickets sent over the cluster's mutual TLS.
    /// </summary>
    public bool EncryptDataPlane { get; init; } = true;

    /// <summary>Minimum workers, timeouts, checkpoint path and interval.</summary>
    public CoordinatorSettings Coordinator { get; init; } = new();

    /// <summary>Limits of the HTTP API.</summary>
    public ServerOptions Server { get; init; } = new();

    /// <summary>
    /// Parameters are copied for the prediction endpoint after a step only when the previous copy is at least this
    /// old (the final parameters are always published): a small model steps thousands of times a second, and a copy
    /// per step would cost more than the step.
    /// </summary>
    public TimeSpan PublishInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Extra settings shown under "configuration" in <c>/api/status</c> (the training ones are added).</summary>
    public IReadOnlyDictionary<string, string> ShownConfiguration { get; init; } = new Dictionary<string, string>();

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Url);
        Node.Validate();
        if (Node.Role != ClusterRoles.Coordinator)
            throw new ArgumentException($"A coordinator's node has the role '{ClusterRoles.Coordinator}', not '{Node.Role}'.", nameof(Node));
        ArgumentOutOfRangeException.ThrowIfNegative(DataPlanePort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DataPlanePort, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(PublishInterval, TimeSpan.Zero);
        Coordinator.Validate();
        Server.Validate();
    }
}
