using System.Collections;
using System.CommandLine;
using System.Net;
using ClusterMnist.Cli.Configuration;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Worker;

namespace ClusterMnist.Cli.Commands;

/// <summary>The flags of `worker`; absent flags leave the settings file's value (or the environment's) in force.</summary>
internal sealed class WorkerCommandOptions
{
    public Option<string?> Coordinator { get; } = new("--coordinator")
    {
        HelpName = "HOST[:PORT]",
        Description = "The coordinator's cluster address: HOST[:PORT] (port 4053 by default) or akka.ssl.tcp://clustermnist@HOST:PORT. "
            + "HOST must be the coordinator's public host. Default: this machine's host name (127.0.0.1 with --insecure).",
    };

    public Option<string?> Data { get; } = new("--data")
    {
        HelpName = "DIR",
        Description = "Data root holding mnist/ and fashion-mnist/ (default: $CLUSTERMNIST_DATA, else ~/.clustermnist/data). The coordinator says which data set to load.",
    };

    public Option<int?> Threads { get; } = new Option<int?>("--threads")
    {
        HelpName = "N",
        Description = "Threads computing shards. Default 1.",
    }.InRange(1, 1024);

    public Option<string?> Id { get; } = new("--id")
    {
        HelpName = "ID",
        Description = $"Stable, unique worker name: 1 to {WorkerSettings.MaxIdBytes} bytes of UTF-8, not blank, no control characters. Default: host name and process id.",
    };

    public Option<string?> ReadyFile { get; } = new("--ready-file")
    {
        HelpName = "FILE",
        Description = "Create FILE (and its folder, if missing) once this worker is up in the cluster and ready for shards, and delete it on exit (for a readiness probe).",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        HelpName = "FILE",
        Description = "Settings file. Default config/worker.json under the working directory (skipped when missing).",
    };

    public ClusterNodeCommandOptions Cluster { get; } = new("worker", defaultPort: 0);

    public IEnumerable<Option> All => [Coordinator, Data, Threads, Id, ReadyFile, .. Cluster.All, Config];

    /// <summary>Settings file, then environment, then flags; every value checked before anything starts.</summary>
    public WorkerRunSettings Read(ParseResult result, string workingDirectory, IDictionary environment)
    {
        var file = LayeredSettings.Load(WorkerSchema.Schema, result.GetValue(Config), workingDirectory, environment);
        var node = Cluster.Read(result, file, environment);
        string coordinator = result.GetValue(Coordinator) ?? file.Text("Worker:Coordinator") ?? (node.Insecure ? "127.0.0.1" : Dns.GetHostName());
        var (host, port) = WorkerRunSettings.ParseCoordinator(coordinator, node.Insecure);
        if (NetworkHost.IsIPv6(host))
        {
            node = Cluster.Read(result, file, environment, ipv6: true);
        }

        string id = result.GetValue(Id) ?? file.Text("Worker:Id") ?? $"{Environment.MachineName}-{Environment.ProcessId}";
        if (!WorkerSettings.IsValidId(id))
        {
            // Control characters are shown escaped: the message is one line.
            string shown = string.Concat(id.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
            throw CliException.Usage($"--id '{shown}' is not a worker id: {WorkerSettings.IdRule}.");
        }

        return new WorkerRunSettings
        {
            CoordinatorHost = host,
            CoordinatorPort = port,
            Node = node,
            DataRoot = result.GetValue(Data) ?? file.Text("Worker:Data"),
            Threads = result.GetValue(Threads) ?? (int?)file.Integer("Worker:Threads") ?? 1,
            Id = id,
            LeaveTimeout = TimeSpan.FromSeconds(file.Number("Worker:LeaveTimeoutSeconds") ?? 30),
            ReadyFile = result.GetValue(ReadyFile) ?? file.Text("Worker:ReadyFile"),
            SettingsFile = file.FilePath,
        };
    }
}
