using static ClusterMnist.Cli.Configuration.SettingKind;

namespace ClusterMnist.Cli.Configuration;

/// <summary>Every setting of <c>config/worker.json</c> (README's table is this list).</summary>
internal static class WorkerSchema
{
    public static SettingsSchema Schema { get; } = new("worker.json",
    [
        new("Worker:Coordinator", HttpUrl, "http://127.0.0.1:8080", "--coordinator", "The coordinator's address; its cluster socket is /cluster there."),
        new("Worker:Id", Text, null, "--id", "Stable, unique worker name (default: host name and process id)."),
        new("Worker:Threads", Integer(1, 1024), "1", "--threads", "Threads computing shards; the coordinator assigns shards in proportion."),
        new("Worker:Data", Text, null, "--data", "Data root holding mnist/ and fashion-mnist/ (default $CLUSTERMNIST_DATA, else ~/.clustermnist/data)."),
        new("Worker:Dataset", OneOf("mnist", "fashion", "digits-split"), "mnist", "--dataset", "Data set; must be the coordinator's (checked by fingerprint)."),
        new("Worker:HeartbeatIntervalSeconds", Number(0.01), "1", null, "Period of the worker's heartbeats (and of repeated join requests)."),
        new("Worker:RetryInitialSeconds", Number(0.01), "0.5", null, "First wait before dialling an unreachable coordinator again."),
        new("Worker:RetryMaxSeconds", Number(0.01), "30", null, "Longest wait between attempts (the wait doubles up to it)."),
        new("Worker:LeaveTimeoutSeconds", Number(0.1), "30", null, "On SIGTERM, how long to wait for the shards in progress before exiting."),
        new("Cluster:Token", Text, null, "--token", "Shared secret the coordinator expects (also $CLUSTERMNIST_TOKEN). Required."),
        new("Cluster:HeartbeatIntervalSeconds", Number(0.01), "1", null, "Period of the connection heartbeats."),
        new("Cluster:HeartbeatTimeoutSeconds", Number(0.01), "3", null, "A connection silent this long is closed and dialled again."),
    ],
    ["Coordinator", "Training", "Http"]);
}
