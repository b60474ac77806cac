using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>Everything `worker` needs, once the settings file, the environment and the flags are combined.</summary>
internal sealed record WorkerRunSettings
{
    /// <summary>The coordinator's host, as its cluster address names it.</summary>
    public required string CoordinatorHost { get; init; }

    /// <summary>The coordinator's Akka port.</summary>
    public int CoordinatorPort { get; init; } = ClusterNodeOptions.DefaultPort;

    /// <summary>The cluster node's settings as read (certificate not yet loaded).</summary>
    public required ClusterNodeDraft Node { get; init; }

    public string? DataRoot { get; init; }

    public int Threads { get; init; } = 1;

    public required string Id { get; init; }

    public TimeSpan LeaveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A file created once the worker is ready and deleted when it exits (a readiness probe looks for it).</summary>
    public string? ReadyFile { get; init; }

    public string? SettingsFile { get; init; }

    /// <summary>
    /// The coordinator's host and port as users write them: <c>HOST</c>, <c>HOST:PORT</c>, <c>[IPv6]:PORT</c>, or a full
    /// cluster address <c>akka.ssl.tcp://clustermnist@HOST:PORT</c> (akka.tcp:// for an insecure cluster).
    /// </summary>
    public static (string Host, int Port) ParseCoordinator(string coordinator, bool insecure)
    {
        string text = coordinator.Trim();
        string expectedScheme = insecure ? "akka.tcp" : "akka.ssl.tcp";
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("akka.tcp" or "akka.ssl.tcp") || uri.Host.Length == 0)
            {
                throw CliException.Usage($"--coordinator '{coordinator}' is neither HOST[:PORT] nor a cluster address like {expectedScheme}://{ClusterMnistAkka.SystemName}@HOST:4053.");
            }

            if (uri.Scheme != expectedScheme)
            {
                throw CliException.Usage($"--coordinator '{coordinator}' is an {uri.Scheme} address, but this worker runs {(insecure ? "without TLS (--insecure)" : "with TLS")}: use {expectedScheme}://.");
            }

            if (!string.Equals(uri.UserInfo, ClusterMnistAkka.SystemName, StringComparison.Ordinal))
            {
                throw CliException.Usage($"--coordinator '{coordinator}' names the actor system '{uri.UserInfo}'; ClusterMnist's is '{ClusterMnistAkka.SystemName}'.");
            }

            return (uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port <= 0 ? ClusterNodeOptions.DefaultPort : uri.Port);
        }

        var (host, portText) = SplitHostAndPort(coordinator, text);
        if (host.Length == 0)
        {
            throw CliException.Usage($"--coordinator '{coordinator}' is not HOST[:PORT]: the host is missing (e.g. coordinator:4053, 10.0.0.5, [::1]:4053).");
        }

        if (host.Any(char.IsWhiteSpace) || host.Contains('/', StringComparison.Ordinal))
        {
            throw CliException.Usage($"--coordinator '{coordinator}' is not HOST[:PORT].");
        }

        if (portText is null)
        {
            return (host, ClusterNodeOptions.DefaultPort);
        }

        return int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? (host, port)
            : throw CliException.Usage($"--coordinator '{coordinator}' has no valid port after the colon (1-65535).");
    }

    // HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; an IPv6 address without brackets has no port (its last group would pass for one).
    private static (string Host, string? Port) SplitHostAndPort(string coordinator, string text)
    {
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            string inner = close < 0 ? string.Empty : text[1..close];
            string rest = close < 0 ? string.Empty : text[(close + 1)..];
            if (close < 0 || (inner.Length > 0 && !NetworkHost.IsIPv6(inner)) || (rest.Length > 0 && rest[0] != ':'))
            {
                throw CliException.Usage($"--coordinator '{coordinator}': brackets hold an IPv6 address, as in [::1]:4053.");
            }

            return (inner, rest.Length == 0 ? null : rest[1..]);
        }

        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (text, null);
        }

        if (text.IndexOf(':', colon + 1) >= 0)
        {
            return NetworkHost.IsIPv6(text)
                ? (text, null)
                : throw CliException.Usage($"--coordinator '{coordinator}' is not HOST[:PORT]; put an IPv6 address in brackets: [ADDRESS]:PORT.");
        }

        return (text[..colon], text[(colon + 1)..]);
    }
}
