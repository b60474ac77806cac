using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// A worker that reaches its coordinator over WebSockets: dials with backoff, starts the worker actor, and whenever
/// the connection is lost dials again and hands the worker the new coordinator reference, so it joins again (the
/// coordinator replaces the old member and reassigns what it had). What a `worker` CLI command runs.
/// </summary>
public sealed class RemoteWorkerHost
{
    private readonly CancellationTokenSource _stopping = new();

    private RemoteWorkerHost(WorkerHost worker, Task<WorkerOutcome> completion)
    {
        Worker = worker;
        Completion = completion;
    }

    /// <summary>The worker actor's host.</summary>
    public WorkerHost Worker { get; }

    /// <summary>Completes when the run finishes, the worker is refused, leaves or fails.</summary>
    public Task<WorkerOutcome> Completion { get; }

    /// <summary>
    /// Connects <paramref name="node"/> to the coordinator at <paramref name="coordinatorUri"/> (retrying with
    /// <paramref name="policy"/>) and starts a worker that joins "<paramref name="coordinatorPath"/>" there.
    /// The node must have the training codecs registered (<see cref="TrainingCodecs.Register"/>).
    /// </summary>
    public static async Task<RemoteWorkerHost> StartAsync(RemotingNode node, Uri coordinatorUri, ImageSet train, WorkerSettings settings,
        string coordinatorPath = "/user/coordinator", ReconnectPolicy? policy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(coordinatorUri);
        var connection = await node.ConnectWithRetryAsync(coordinatorUri, policy, cancellationToken).ConfigureAwait(false);
        var worker = WorkerHost.Start(node.System, connection.ActorFor(coordinatorPath), train, settings);
        var outcome = new TaskCompletionSource<WorkerOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new RemoteWorkerHost(worker, outcome.Task);
        _ = host.KeepConnectedAsync(node, coordinatorUri, coordinatorPath, policy, connection, outcome);
        return host;
    }

    /// <summary>Leaves gracefully (SIGTERM): finishes the shards in progress, says goodbye, stops reconnecting.</summary>
    public async Task<WorkerOutcome> LeaveAsync(string reason, TimeSpan timeout)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        return await Worker.LeaveAsync(reason, timeout).ConfigureAwait(false);
    }

    private async Task KeepConnectedAsync(RemotingNode node, Uri uri, string path, ReconnectPolicy? policy, RemoteConnection connection,
        TaskCompletionSource<WorkerOutcome> outcome)
    {
        var log = node.System.LoggerFactory.CreateLogger("ClusterMnist.Cluster.Worker");
        try
        {
            while (true)
            {
                var first = await Task.WhenAny(Worker.Completion, connection.Completion).ConfigureAwait(false);
                if (first == Worker.Completion || _stopping.IsCancellationRequested)
                    break;
                log.LogWarning("Worker {WorkerId} lost its connection to {Uri} ({Reason}); reconnecting",
                    Worker.Settings.WorkerId, uri, connection.CloseReason);
                connection = await node.ConnectWithRetryAsync(uri, policy, _stopping.Token).ConfigureAwait(false);
                Worker.Worker.Tell(new UseCoordinator(connection.ActorFor(path)));
            }
            outcome.TrySetResult(await Worker.Completion.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            outcome.TrySetResult(await Worker.Completion.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            log.LogError(e, "Worker {WorkerId} cannot reach {Uri} any more", Worker.Settings.WorkerId, uri);
            await Worker.KillAsync().ConfigureAwait(false);
            outcome.TrySetResult(new WorkerOutcome(WorkerOutcomeKind.Failed, $"coordinator unreachable: {e.Message}", 0));
        }
    }
}
