using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Coordinator;

namespace ClusterMnist.Server.Hosting;

/// <summary>How a <see cref="CoordinatorServer"/> listens, admits workers and runs its coordinator.</summary>
public sealed record CoordinatorServerSettings
{
    /// <summary>Where Kestrel listens, e.g. <c>http://0.0.0.0:8080</c>; port 0 picks a free port (tests).</summary>
    public string Url { get; init; } = "http://0.0.0.0:8080";

    /// <summary>The cluster socket endpoint's path on the same port as the HTTP API.</summary>
    public string ClusterPath { get; init; } = "/cluster";

    /// <summary>Remoting settings; the cluster token every worker must present lives here.</summary>
    public required RemotingOptions Remoting { get; init; }

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
        ArgumentException.ThrowIfNullOrWhiteSpace(Remoting.ClusterToken);
        if (!ClusterPath.StartsWith('/'))
        {
            throw new ArgumentException($"The cluster path '{ClusterPath}' must start with '/'.", nameof(ClusterPath));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PublishInterval, TimeSpan.Zero);
        Coordinator.Validate();
        Server.Validate();
    }
}
