using System.CommandLine;
using ClusterMnist.Actors;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// Runs `worker`: loads its own copy of the data set, dials the coordinator with backoff, and computes until the run
/// finishes (exit 0), the coordinator refuses it (exit 1, with the reason) or a signal asks it to leave, in which
/// case it finishes the shards in progress, says goodbye and exits 0.
/// </summary>
internal static class WorkerRun
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, WorkerRunSettings settings, CancellationToken cancellationToken)
    {
        var console = CliConsole.From(parseResult);
        var kind = DatasetCatalog.Parse(settings.Dataset);
        var data = await DatasetLoader.LoadAsync(console, settings.DataRoot ?? DatasetCatalog.DefaultDataDirectory, kind, cancellationToken)
            .ConfigureAwait(false);

        using var log = new LineLoggerProvider(console.Out);
        if (settings.SettingsFile is { } file)
        {
            log.Write("info", $"Settings from {file}");
        }

        log.Write("info", $"Worker {settings.Id}: {data.Name}, {data.Train.Count:N0} training images (fingerprint {data.Train.Fingerprint[..12]}), {settings.Threads} thread(s)");
        log.Write("info", $"Connecting to {settings.ClusterUri}");
        await using var system = new ActorSystem("worker-" + settings.Id, new ActorSystemOptions(LoggerFactory: log));
        var remotingOptions = new RemotingOptions(settings.Token)
        {
            HeartbeatInterval = settings.ConnectionHeartbeatInterval,
            HeartbeatTimeout = settings.ConnectionHeartbeatTimeout,
        };
        await using var remoting = new RemotingNode(system, remotingOptions, TrainingCodecs.Register(new MessageCodecRegistry()));
        var policy = new ReconnectPolicy(settings.RetryInitial, settings.RetryMax);
        // Shared memory is asked for, and used only if the coordinator offers it and its files can be mapped here.
        var workerSettings = new WorkerSettings(settings.Id, settings.Threads) { HeartbeatInterval = settings.HeartbeatInterval, SharedMemory = true };

        RemoteWorkerHost host;
        try
        {
            host = await RemoteWorkerHost.StartAsync(remoting, settings.ClusterUri, data.Train, workerSettings, policy: policy, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (ClusterHandshakeException refused)
        {
            throw new CliException($"the coordinator at {settings.ClusterUri} refused the connection: {refused.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.Write("info", "Stopped (signal) before reaching the coordinator");
            return ExitCodes.Success;
        }

        WorkerOutcome outcome;
        try
        {
            outcome = await host.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.Write("info", $"Leaving (signal): finishing the shards in progress (at most {settings.LeaveTimeout.TotalSeconds:0.#} s)");
            try
            {
                outcome = await host.LeaveAsync("signal", settings.LeaveTimeout).ConfigureAwait(false);
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
            default:
                throw new CliException($"the worker failed: {outcome.Detail}");
        }
    }
}
