using System.CommandLine;
using Akka.Actor;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// Runs `worker`: joins the cluster through the coordinator's address, loads the data set the coordinator names, and
/// computes until the run finishes (exit 0), the coordinator refuses it (exit 1, with the reason), the worker is cut
/// off from the coordinator or downed (exit 1: a supervisor restarts it and it joins again), or a signal asks it to
/// leave, in which case it finishes the shards in progress, says goodbye, leaves the cluster and exits 0.
/// </summary>
internal static class WorkerRun
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, WorkerRunSettings settings, CancellationToken cancellationToken)
    {
        var console = CliConsole.From(parseResult);
        var node = settings.Node.Resolve(ClusterRoles.Worker, settings.CoordinatorHost, settings.CoordinatorPort, Environment.GetEnvironmentVariables());
        ListenCheck.EnsureAvailable("--cluster-port", "--cluster-bind", node.BindHost, node.Port, "another worker");
        if (settings.ReadyFile is { } ready)
        {
            OutputFile.EnsureWritable("--ready-file", ready, "ready");
        }

        using var log = new LineLoggerProvider(console.Out);
        if (settings.SettingsFile is { } file)
        {
            log.Write("info", $"Settings from {file}");
        }

        if (node.Certificate is null)
        {
            log.Write("warn", $"{settings.Node.InsecureSource}: no TLS; this worker joins any coordinator at that address, and anyone on the path can read or alter its tensors");
        }

        log.Write("info", $"Worker {settings.Id}: {settings.Threads} thread(s); joining the cluster at {node.SeedAddress} as {node.PublicHost}");
        // The coordinator names the data set once it accepts this worker; the worker loads its own copy, and the
        // coordinator compares fingerprints before giving it shards.
        async Task<ImageSet> LoadAsync(string dataset, CancellationToken cancel)
        {
            log.Write("info", $"Loading data set {dataset}, as the coordinator asks");
            var data = await DatasetLoader.LoadAsync(console, settings.DataRoot ?? DatasetCatalog.DefaultDataDirectory, DatasetCatalog.Parse(dataset), cancel)
                .ConfigureAwait(false);
            log.Write("info", $"{data.Name}: {data.Train.Count:N0} training images (fingerprint {data.Train.Fingerprint[..12]})");
            return data.Train;
        }

        WorkerNode worker;
        try
        {
            worker = await WorkerNode.StartAsync(node, new WorkerSettings(settings.Id, settings.Threads) { SharedMemory = true, WarmUp = true }, LoadAsync, log, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.Write("info", "Stopped (signal) before joining");
            return ExitCodes.Success;
        }

        await using (worker.ConfigureAwait(false))
        using (settings.ReadyFile is { } readyFile ? ReadinessFile.Track(worker.Ready, readyFile) : null)
        {
            WorkerOutcome outcome;
            try
            {
                outcome = await worker.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                log.Write("info", $"Leaving (signal): finishing the shards in progress (at most {settings.LeaveTimeout.TotalSeconds:0.#} s)");
                try
                {
                    outcome = await worker.LeaveAsync("signal", settings.LeaveTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    log.Write("warn", "The shards in progress did not finish in time; leaving without them");
                    return ExitCodes.Success;
                }
            }

            log.Close();
            switch (outcome.Kind)
            {
                case WorkerOutcomeKind.Finished:
                    await console.Out.WriteLineAsync($"Training finished after {outcome.ShardsDone:N0} shard(s) here; parameters sha256 {outcome.Detail}").ConfigureAwait(false);
                    return ExitCodes.Success;
                case WorkerOutcomeKind.Left:
                    await console.Out.WriteLineAsync($"Left the cluster after {outcome.ShardsDone:N0} shard(s): {outcome.Detail}").ConfigureAwait(false);
                    return ExitCodes.Success;
                case WorkerOutcomeKind.Refused:
                    throw new CliException($"the coordinator refused this worker: {outcome.Detail}");
                case WorkerOutcomeKind.LostCoordinator or WorkerOutcomeKind.Stopped:
                    throw new CliException($"{outcome.Detail}; exiting so that a supervisor restarts this worker, which then joins again");
                default:
                    throw new CliException($"the worker failed: {outcome.Detail}");
            }
        }
    }
}
