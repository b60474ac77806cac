using System.Collections;
using System.CommandLine;
using ClusterMnist.Cli.Configuration;

namespace ClusterMnist.Cli.Commands;

/// <summary>The flags of `worker`; absent flags leave the settings file's value (or the environment's) in force.</summary>
internal sealed class WorkerCommandOptions
{
    public Option<string?> Coordinator { get; } = new("--coordinator")
    {
        HelpName = "URL",
        Description = "The coordinator, e.g. http://coordinator:8080 (its cluster socket is /cluster there). Default http://127.0.0.1:8080.",
    };

    public Option<string?> Data { get; } = new("--data")
    {
        HelpName = "DIR",
        Description = "Data root holding mnist/ and fashion-mnist/ (default: $CLUSTERMNIST_DATA, else ~/.clustermnist/data).",
    };

    public Option<string?> Dataset { get; } = new Option<string?>("--dataset")
    {
        Description = "Data set: mnist, fashion or digits-split; must be the coordinator's (checked by fingerprint). Default mnist.",
    }.AcceptOnlyFromAmong("mnist", "fashion", "digits-split");

    public Option<int?> Threads { get; } = new Option<int?>("--threads")
    {
        HelpName = "N",
        Description = "Threads computing shards. Default 1.",
    }.Between(1, 1024);

    public Option<string?> Token { get; } = new("--token")
    {
        HelpName = "T",
        Description = "Cluster token the coordinator expects. Default $CLUSTERMNIST_TOKEN; required.",
    };

    public Option<string?> Id { get; } = new("--id")
    {
        HelpName = "ID",
        Description = "Stable, unique worker name. Default: host name and process id.",
    };

    public Option<string?> Config { get; } = new("--config")
    {
        HelpName = "FILE",
        Description = "Settings file. Default config/worker.json under the working directory (skipped when missing).",
    };

    public IEnumerable<Option> All => [Coordinator, Data, Dataset, Threads, Token, Id, Config];

    /// <summary>Settings file, then environment, then flags; every value checked before anything starts.</summary>
    public WorkerRunSettings Read(ParseResult result, string workingDirectory, IDictionary environment)
    {
        var file = LayeredSettings.Load(WorkerSchema.Schema, result.GetValue(Config), workingDirectory, environment);
        string coordinator = result.GetValue(Coordinator) ?? file.Text("Worker:Coordinator") ?? "http://127.0.0.1:8080";
        return new WorkerRunSettings
        {
            ClusterUri = WorkerRunSettings.ClusterUriOf(coordinator),
            DataRoot = result.GetValue(Data) ?? file.Text("Worker:Data"),
            Dataset = result.GetValue(Dataset) ?? file.Text("Worker:Dataset") ?? "mnist",
            Threads = result.GetValue(Threads) ?? (int?)file.Integer("Worker:Threads") ?? 1,
            Token = ClusterTokenSource.Resolve(result.GetValue(Token), file, environment),
            Id = result.GetValue(Id) ?? file.Text("Worker:Id") ?? $"{Environment.MachineName}-{Environment.ProcessId}",
            HeartbeatInterval = TimeSpan.FromSeconds(file.Number("Worker:HeartbeatIntervalSeconds") ?? 1),
            RetryInitial = TimeSpan.FromSeconds(file.Number("Worker:RetryInitialSeconds") ?? 0.5),
            RetryMax = TimeSpan.FromSeconds(file.Number("Worker:RetryMaxSeconds") ?? 30),
            LeaveTimeout = TimeSpan.FromSeconds(file.Number("Worker:LeaveTimeoutSeconds") ?? 30),
            ConnectionHeartbeatInterval = TimeSpan.FromSeconds(file.Number("Cluster:HeartbeatIntervalSeconds") ?? 1),
            ConnectionHeartbeatTimeout = TimeSpan.FromSeconds(file.Number("Cluster:HeartbeatTimeoutSeconds") ?? 3),
            SettingsFile = file.FilePath,
        };
    }
}
