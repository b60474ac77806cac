using Akka;
using Akka.Actor;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// A worker process's node: an actor system that joins the cluster through the coordinator's address, and a worker
/// actor that finds the coordinator there, loads the data set it is told to with <c>loadTrainingSet</c>, and opens
/// the data plane the coordinator offers. Its outcome also covers the node's own end: downed by the coordinator, cut
/// off from it (the split brain resolver downs this side), or refused by the cluster's TLS.
/// </summary>
public sealed class WorkerNode : IAsyncDisposable
{
    private readonly AkkaNode _node;
    private readonly WorkerHost _worker;

    private WorkerNode(AkkaNode node, WorkerHost worker)
    {
        _node = node;
        _worker = worker;
        Completion = OutcomeAsync(worker, node.System);
    }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System => _node.System;

    /// <summary>Completes when the worker stops taking part, with why.</summary>
    public Task<WorkerOutcome> Completion { get; }

    /// <summary>Completes once the worker is up in the cluster, has loaded its data and attached its data plane.</summary>
    public Task Ready => _worker.Ready;

    /// <summary>Starts the node and its worker; joining happens in the background.</summary>
    /// <param name="node">Role worker, the coordinator as seed, the cluster certificate.</param>
    /// <param name="settings">Worker id and threads.</param>
    /// <param name="loadTrainingSet">Loads the training set the coordinator names (e.g. "fashion").</param>
    /// <param name="loggerFactory">Where Akka's and the worker's log lines go.</param>
    /// <param name="cancellationToken">Stops waiting for the start.</param>
    public static async Task<WorkerNode> StartAsync(ClusterNodeOptions node, WorkerSettings settings,
        Func<string, CancellationToken, Task<ImageSet>> loadTrainingSet, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(loadTrainingSet);
        var akka = await AkkaNode.StartAsync(node, loggerFactory, cancellationToken: cancellationToken).ConfigureAwait(false);
        var resources = new RemoteWorkerResources(loadTrainingSet, node.Certificate, settings.WarmUp, loggerFactory.CreateLogger("ClusterMnist.DataPlane"));
        var worker = WorkerHost.Start(akka.System, coordinator: null, resources, settings);
        // However the node leaves (a signal, or the end of the run), the worker first finishes its shards and says
        // goodbye, before the node leaves the cluster; a downed node has nobody to say goodbye to.
        var shutdown = CoordinatedShutdown.Get(akka.System);
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "drain-worker", async () =>
        {
            // Only a leave on purpose drains; a node downed, or shut down by a failed TLS handshake, has nobody to tell.
            if (shutdown.ShutdownReason is GracefulLeave leave && !worker.Completion.IsCompleted)
            {
                worker.Worker.Tell(new Actors.Drain(leave.Why));
                await worker.Completion.ConfigureAwait(false);
            }
            return Done.Instance;
        });
        return new WorkerNode(akka, worker);
    }

    /// <summary>
    /// Leaves gracefully (what SIGTERM does): runs the coordinated shutdown, whose first task finishes the shards in
    /// progress and says goodbye; then the node leaves the cluster.
    /// </summary>
    /// <exception cref="TimeoutException">The shards in progress did not finish within <paramref name="timeout"/>.</exception>
    public async Task<WorkerOutcome> LeaveAsync(string reason, TimeSpan timeout)
    {
        var leaving = CoordinatedShutdown.Get(System).Run(new GracefulLeave(reason));
        var outcome = await Completion.WaitAsync(timeout).ConfigureAwait(false);
        await leaving.ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Leaves the cluster (coordinated shutdown) and stops the node.</summary>
    public ValueTask DisposeAsync() => _node.DisposeAsync();

    // The worker's own outcome, unless it was only stopped because its node shut down: then why the node did.
    private static async Task<WorkerOutcome> OutcomeAsync(WorkerHost worker, ActorSystem system)
    {
        if (await Task.WhenAny(worker.Completion, system.WhenTerminated).ConfigureAwait(false) == worker.Completion
            && await worker.Completion.ConfigureAwait(false) is { Kind: not WorkerOutcomeKind.Stopped } decided)
        {
            return decided;
        }
        await system.WhenTerminated.ConfigureAwait(false);
        string why = CoordinatedShutdown.Get(system).ShutdownReason switch
        {
            CoordinatedShutdown.ClusterDowningReason => "this node was downed (the coordinator gave up on it, or it was cut off from the coordinator)",
            CoordinatedShutdown.ClusterJoinUnsuccessfulReason => "this node could not join the cluster",
            GracefulLeave leave => $"this node left the cluster ({leave.Why})",
            null => "the node stopped",
            // Akka shuts a node down when its outbound TLS handshake fails: the peer presented another certificate.
            var tls when tls.GetType().Name.Contains("Tls", StringComparison.Ordinal) =>
                $"the TLS handshake with the cluster failed ({tls.GetType().Name}): the coordinator presents another certificate than this node's",
            var other => $"the node shut down ({other.GetType().Name})",
        };
        return new WorkerOutcome(WorkerOutcomeKind.LostCoordinator, why, worker.Completion.IsCompletedSuccessfully ? worker.Completion.Result.ShardsDone : 0);
    }

    /// <summary>Why a worker's node is leaving when it leaves on purpose.</summary>
    private sealed class GracefulLeave(string why) : CoordinatedShutdown.Reason
    {
        public string Why => why;

        public override int ExitCode => 0;
    }
}
