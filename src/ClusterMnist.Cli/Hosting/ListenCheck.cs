using System.Net;
using System.Net.Sockets;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cli.Hosting;

/// <summary>
/// Checks, before anything starts, that a port a coordinator or worker is about to listen on can be had, so that a port in use
/// or a bind address this machine does not have is reported as one line naming the flag. Without it, the cluster
/// port's failure surfaces from deep inside Akka.Remote's DotNetty transport (a nested AggregateException and about 60
/// lines of stack trace from Akka.Hosting), and the data plane's as a bare "Address already in use".
/// </summary>
/// <remarks>
/// The check opens and closes a listener; another process may still take the port in between, in which case the
/// listener's own error is what the user sees. A bind host that is a name is resolved as the listeners resolve it; one
/// that does not resolve is left to them.
/// </remarks>
internal static class ListenCheck
{
    /// <param name="portFlag">The flag that sets the port (named in the message).</param>
    /// <param name="bindFlag">The flag that sets the address (named in the message).</param>
    /// <param name="host">The address to listen on.</param>
    /// <param name="port">The port; 0 (a free one) checks only the address.</param>
    /// <param name="likelyHolder">Who probably has the port, for the hint: "another coordinator", "another worker".</param>
    /// <exception cref="CliException">The port is in use (exit 1), or <paramref name="host"/> is not an address of this machine (exit 2).</exception>
    public static void EnsureAvailable(string portFlag, string bindFlag, string host, int port, string likelyHolder)
    {
        if (Resolve(host) is not { } address)
        {
            return;
        }

        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, port));
            probe.Listen(1);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            string why = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? $"is already in use (by {likelyHolder}?)" : "needs privileges this process lacks";
            throw new CliException($"cannot listen on {NetworkHost.WithPort(host, port)}: the port {why}; choose another with {portFlag}.");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw CliException.Usage($"{bindFlag} '{host}' is not an address of this machine, so nothing can listen on it.");
        }
    }

    private static IPAddress? Resolve(string host)
    {
        if (IPAddress.TryParse(NetworkHost.Bare(host), out var address))
        {
            return address;
        }

        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
