using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>Everything `worker` needs, once the settings file, the environment and the flags are combined.</summary>
internal sealed record WorkerRunSettings
{
    public required Uri ClusterUri { get; init; }

    public string? DataRoot { get; init; }

    public required string Dataset { get; init; }

    public int Threads { get; init; } = 1;

    public required string Token { get; init; }

    public required string Id { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan RetryMax { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan LeaveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectionHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ConnectionHeartbeatTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public string? SettingsFile { get; init; }

    /// <summary>
    /// The coordinator's cluster socket for an address as users write it: <c>http://host:8080</c> becomes
    /// <c>ws://host:8080/cluster</c> (https → wss); a ws:// URL with a path is taken as it is.
    /// </summary>
    public static Uri ClusterUriOf(string coordinator)
    {
        if (!Uri.TryCreate(coordinator.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "ws" or "wss"))
        {
            throw CliException.Usage($"--coordinator '{coordinator}' is not an http://HOST:PORT address.");
        }

        var builder = new UriBuilder(uri) { Scheme = uri.Scheme is "https" or "wss" ? "wss" : "ws" };
        if (uri.AbsolutePath is "" or "/")
        {
            builder.Path = "/cluster";
        }

        return builder.Uri;
    }
}
