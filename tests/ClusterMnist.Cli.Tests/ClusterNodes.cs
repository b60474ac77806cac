using System.Globalization;
using System.Text.RegularExpressions;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// `coordinator` and `worker` processes of one test on 127.0.0.1: a cluster certificate of the test's own, free
/// ports (the cluster's and the data plane's, unless a test fixes them to restart a coordinator in place), and the
/// coordinator's cluster port read from its own start-up line.
/// </summary>
internal sealed partial class ClusterNodes
{
    private readonly string _directory;

    public ClusterNodes(string directory)
    {
        _directory = directory;
        Certificate = Path.Combine(directory, "cluster.pfx");
        using var certificate = ClusterCertificate.CreateNew();
        File.WriteAllBytes(Certificate, certificate.ExportPfx(password: null));
    }

    /// <summary>The cluster certificate's file (no password).</summary>
    public string Certificate { get; }

    /// <summary>Starts a coordinator on 127.0.0.1 (HTTP, cluster and data plane ports free unless given in <paramref name="args"/>).</summary>
    public ClusterProcess StartCoordinator(params string[] args) => ClusterProcess.Start(_directory,
        ["coordinator", "--bind", "127.0.0.1", "--port", "0", "--cluster-bind", "127.0.0.1", .. Defaults(args, "--cluster-port", "--data-plane-port"),
         "--cert", Certificate, .. args]);

    /// <summary>Starts a worker that joins the coordinator at <paramref name="clusterPort"/>.</summary>
    public ClusterProcess StartWorker(int clusterPort, string id, params string[] args) => ClusterProcess.Start(_directory,
        ["worker", "--coordinator", $"127.0.0.1:{clusterPort.ToString(CultureInfo.InvariantCulture)}", "--cluster-bind", "127.0.0.1",
         "--id", id, .. (args.Contains("--cert") ? [] : (string[])["--cert", Certificate]), .. args]);

    /// <summary>The coordinator's Akka port, from its "Workers join with --coordinator HOST:PORT" line.</summary>
    public static async Task<int> ClusterPortAsync(ClusterProcess coordinator, TimeSpan deadline)
    {
        string line = await coordinator.WaitForLineAsync("Workers join with --coordinator", deadline);
        return int.Parse(JoinWith().Match(line).Groups["port"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The coordinator's HTTP address, from its "Listening:" line.</summary>
    public static async Task<Uri> HttpAddressAsync(ClusterProcess coordinator, TimeSpan deadline)
    {
        string line = await coordinator.WaitForLineAsync("Listening:", deadline);
        return new Uri(HttpOn().Match(line).Groups["url"].Value.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Two free TCP ports on 127.0.0.1 (a restarted coordinator must come back on the same ones, as a container does).</summary>
    public static (int Cluster, int DataPlane) FreePorts()
    {
        var first = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        var second = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        var ports = (((System.Net.IPEndPoint)first.LocalEndpoint).Port, ((System.Net.IPEndPoint)second.LocalEndpoint).Port);
        first.Stop();
        second.Stop();
        return ports;
    }

    // Port 0 for the ports a test does not name.
    private static IEnumerable<string> Defaults(string[] args, params string[] options) =>
        options.Where(option => !args.Contains(option)).SelectMany(option => new[] { option, "0" });

    [GeneratedRegex(@"Workers join with --coordinator (?<host>\S+):(?<port>\d+)")]
    private static partial Regex JoinWith();

    [GeneratedRegex(@"on (?<url>http://\S+?:\d+) \(")]
    private static partial Regex HttpOn();
}
