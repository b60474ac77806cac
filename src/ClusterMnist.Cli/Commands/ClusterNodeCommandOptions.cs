using System.Collections;
using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using ClusterMnist.Cli.Configuration;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// The flags both `coordinator` and `worker` take to be a node of the cluster: the certificate (or --insecure), the
/// Akka port, the interface it binds and the host name others reach it by.
/// </summary>
internal sealed class ClusterNodeCommandOptions(string program, int defaultPort)
{
    public Option<string?> Cert { get; } = new("--cert")
    {
        HelpName = "FILE.pfx",
        Description = $"The cluster certificate (PFX with its key), the same file on every node. Default ${ClusterCertificateSource.PathVariable}, "
            + $"else Cluster:Cert in the settings file; password from ${ClusterCertificateSource.PasswordVariable}. Required unless --insecure.",
    };

    public Option<bool> Insecure { get; } = new("--insecure")
    {
        // Only the cluster's listeners move to loopback: a coordinator's HTTP API keeps --bind (0.0.0.0 by default).
        Description = "Run without a certificate: no TLS, anyone who reaches the ports can join. For loopback experiments: "
            + (program == "coordinator"
                ? "the Akka port and the data plane listen on 127.0.0.1 unless --cluster-bind says otherwise (the HTTP API still follows --bind)."
                : "the Akka port listens on 127.0.0.1 (::1 for an IPv6 coordinator) unless --cluster-bind says otherwise."),
    };

    public Option<int?> ClusterPort { get; } = new Option<int?>("--cluster-port")
    {
        HelpName = "PORT",
        Description = $"The Akka port of this node. Default {defaultPort}{(defaultPort == 0 ? " (a free one)" : string.Empty)}.",
    }.InRange(0, 65535);

    public Option<string?> ClusterBind { get; } = new("--cluster-bind")
    {
        HelpName = "ADDR",
        Description = "Interface the Akka port (and a coordinator's data plane) listens on. Default 0.0.0.0; 127.0.0.1 with --insecure"
            + (defaultPort == 0 ? " (:: and ::1 when the coordinator is an IPv6 address)." : "."),
    };

    public Option<string?> PublicHost { get; } = new("--public-host")
    {
        HelpName = "HOST",
        Description = "The host name or address other nodes reach this one by; it is part of the node's cluster address, so workers must name "
            + "the coordinator exactly so. Default: the bind address when specific, else "
            + (defaultPort == 0 ? "this machine's address on the route to the coordinator." : "this machine's host name."),
    };

    public IEnumerable<Option> All => [Cert, Insecure, ClusterPort, ClusterBind, PublicHost];

    private static string InsecureWithdrawal(bool fromFlag, LayeredSettings file) =>
        fromFlag ? "drop --insecure"
        : file.VariableOf("Cluster:Insecure") is { } variable
            ? $"unset {variable}"
            : $"set Cluster:Insecure to false in {file.Describe("Cluster:Insecure")}";

    // Loopback without TLS, else every interface; of the address family the other nodes are reached by, since a node
    // bound to 0.0.0.0 cannot be reached back at an IPv6 address.
    private static string DefaultBind(bool insecure, bool ipv6) => (insecure, ipv6) switch
    {
        (true, false) => "127.0.0.1",
        (true, true) => "::1",
        (false, false) => "0.0.0.0",
        (false, true) => "::",
    };

    /// <summary>What the settings say about this node, before the certificate is loaded.</summary>
    /// <param name="result">The parsed flags.</param>
    /// <param name="file">The settings file and environment.</param>
    /// <param name="environment">For the certificate's path.</param>
    /// <param name="ipv6">The node talks to an IPv6 address (a worker's coordinator): the default bind is IPv6 too.</param>
    public ClusterNodeDraft Read(ParseResult result, LayeredSettings file, IDictionary environment, bool ipv6 = false)
    {
        bool insecureFlag = result.GetValue(Insecure);
        bool insecure = insecureFlag || (file.Flag("Cluster:Insecure") ?? false);
        string insecureSource = insecureFlag ? "--insecure" : $"Cluster:Insecure in {file.Describe("Cluster:Insecure")}";
        var certificate = ClusterCertificateSource.Find(result.GetValue(Cert), file, environment);
        if (certificate is null && !insecure)
            throw CliException.Usage(ClusterCertificateSource.Missing(program));
        if (certificate is not null && insecure)
        {
            // Either side may come from a settings file or a variable left over in a shell: both are named.
            string withdraw = certificate.Variable is { } variable ? $"unset {variable}" : certificate.Source == "--cert" ? "drop --cert" : $"remove {certificate.Source}";
            throw CliException.Usage($"{insecureSource} and a cluster certificate ({certificate.Path}, from {certificate.Source}) contradict each other; "
                + $"give one ({withdraw} to run without TLS, or {InsecureWithdrawal(insecureFlag, file)}).");
        }

        // Hosts are kept bare ("::1"); addresses and URLs put an IPv6 one in brackets where they need them.
        string? bind = result.GetValue(ClusterBind) ?? file.Text("Cluster:Bind");
        string? publicHost = result.GetValue(PublicHost) ?? file.Text("Cluster:PublicHost");
        return new ClusterNodeDraft(
            certificate?.Path,
            bind is null ? DefaultBind(insecure, ipv6) : NetworkHost.Bare(bind.Trim()),
            result.GetValue(ClusterPort) ?? (int?)file.Integer("Cluster:Port") ?? defaultPort,
            publicHost is null ? null : NetworkHost.Bare(publicHost.Trim()),
            TimeSpan.FromSeconds(file.Number("Cluster:HeartbeatIntervalSeconds") ?? 0.5),
            TimeSpan.FromSeconds(file.Number("Cluster:HeartbeatTimeoutSeconds") ?? 1.5))
        {
            CertificateSource = certificate?.Source,
            CertificateVariable = certificate?.Variable,
            InsecureSource = insecure ? insecureSource : null,
        };
    }
}

/// <summary>A node's settings as read; <see cref="Resolve"/> loads the certificate and fills in the defaults that depend on the machine.</summary>
internal sealed record ClusterNodeDraft(string? CertificatePath, string Bind, int Port, string? PublicHost, TimeSpan HeartbeatInterval,
    TimeSpan HeartbeatTimeout)
{
    /// <summary>True when the node runs without a certificate (--insecure).</summary>
    public bool Insecure => CertificatePath is null;

    /// <summary>Which setting named the certificate, e.g. "--cert" or "the environment variable CLUSTERMNIST_CERT" (for messages).</summary>
    public string? CertificateSource { get; init; }

    /// <summary>The environment variable that named the certificate, if one did.</summary>
    public string? CertificateVariable { get; init; }

    /// <summary>Which setting made the node insecure, e.g. "--insecure" (for messages); null with a certificate.</summary>
    public string? InsecureSource { get; init; }

    /// <summary>Where the certificate came from, for a log line: empty for --cert, which the user just typed.</summary>
    public string CertificateOrigin => CertificateSource is null or "--cert" ? string.Empty : $" (from {CertificateSource})";

    /// <summary>The node's options: certificate loaded (exit 2 with the reason when it cannot be), public host decided.</summary>
    /// <param name="role">coordinator or worker.</param>
    /// <param name="seedHost">The coordinator's host (a coordinator's own public host when null).</param>
    /// <param name="seedPort">The coordinator's Akka port.</param>
    /// <param name="environment">For the certificate's password.</param>
    public ClusterNodeOptions Resolve(string role, string? seedHost, int seedPort, IDictionary environment)
    {
        string publicHost = PublicHost ?? DefaultPublicHost(role, seedHost, seedPort);
        return new ClusterNodeOptions
        {
            Role = role,
            BindHost = Bind,
            Port = Port,
            PublicHost = publicHost,
            SeedHost = seedHost ?? publicHost,
            SeedPort = seedHost is null ? Port : seedPort,
            Certificate = CertificatePath is null ? null
                : ClusterCertificateSource.Load(new CertificateChoice(CertificatePath, CertificateSource ?? "--cert", CertificateVariable), environment),
            HeartbeatInterval = HeartbeatInterval,
            AcceptableHeartbeatPause = HeartbeatTimeout,
        };
    }

    // A node's public host is part of its address, and Akka drops messages addressed to any other name, so the
    // defaults aim at what the other side will use: a specific bind address as it is; a coordinator its host name
    // (what `worker --coordinator` defaults to on the same machine); a worker the address of its route to the
    // coordinator (its container's or pod's address, which the coordinator can always reach back).
    private string DefaultPublicHost(string role, string? seedHost, int seedPort)
    {
        if (IPAddress.TryParse(Bind, out var address) ? !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) : Bind.Length > 0)
            return Bind;
        if (role == ClusterRoles.Worker && seedHost is not null && RouteAddress(seedHost, seedPort) is { } route)
            return route;
        return Dns.GetHostName();
    }

    private static string? RouteAddress(string host, int port)
    {
        try
        {
            var target = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            if (target is null)
                return null;
            // Connecting a UDP socket sends nothing; it only asks the kernel which local address routes there.
            using var probe = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(target, Math.Max(1, port)));
            return (probe.LocalEndPoint as IPEndPoint)?.Address.ToString();
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
