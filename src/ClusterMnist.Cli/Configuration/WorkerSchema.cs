using static ClusterMnist.Cli.Configuration.SettingKind;

namespace ClusterMnist.Cli.Configuration;

/// <summary>Every setting of <c>config/worker.json</c> (README's table is this list).</summary>
internal static class WorkerSchema
{
    public static SettingsSchema Schema { get; } = new("worker.json",
    [
        new("Worker:Coordinator", Text, null, "--coordinator", "The coordinator's cluster address: HOST[:PORT] (port 4053 by default) or akka.ssl.tcp://clustermnist@HOST:PORT (default: this machine's host name; 127.0.0.1 with --insecure)."),
        new("Worker:Id", Text, null, "--id", "Stable, unique worker name (default: host name and process id)."),
        new("Worker:Threads", Integer(1, 1024), "1", "--threads", "Threads computing shards; the coordinator assigns shards in proportion."),
        new("Worker:Data", Text, null, "--data", "Data root holding mnist/ and fashion-mnist/ (default $CLUSTERMNIST_DATA, else ~/.clustermnist/data)."),
        new("Worker:ReadyFile", Text, null, "--ready-file", "A file created once the worker is up in the cluster and ready for shards, deleted on exit (for a readiness probe)."),
        new("Worker:LeaveTimeoutSeconds", Number(0.1), "30", null, "On SIGTERM, how long to wait for the shards in progress before exiting."),
        .. ClusterSettings.Node(defaultPort: "0"),
    ],
    ["Coordinator", "Training", "Http"]);
}
