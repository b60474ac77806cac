using System.Net;
using System.Net.Sockets;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// Host names as addresses and URLs must write them: an IPv6 literal in brackets before a port (<c>[::1]:4053</c>,
/// <c>akka.tcp://clustermnist@[::1]:4053</c>), bare where a socket or a settings value takes it (<c>::1</c>).
/// </summary>
public static class NetworkHost
{
    /// <summary>True when <paramref name="host"/> is an IPv6 address, with or without brackets.</summary>
    public static bool IsIPv6(string host) =>
        IPAddress.TryParse(Bare(host), out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    /// <summary>The host without the brackets around an IPv6 address ("[::1]" → "::1"); any other host as it is.</summary>
    public static string Bare(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
    }

    /// <summary>The host as it precedes a port: an IPv6 address in brackets ("::1" → "[::1]"); any other host as it is.</summary>
    public static string Bracketed(string host) => IsIPv6(host) ? $"[{Bare(host)}]" : host;

    /// <summary>HOST:PORT, with an IPv6 address in brackets.</summary>
    public static string WithPort(string host, int port) => $"{Bracketed(host)}:{port}";
}
