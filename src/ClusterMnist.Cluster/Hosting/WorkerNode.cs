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
        if (node.Certificate is null)
            WarnIfNotJoined(akka.System, node, loggerFactory.CreateLogger("ClusterMnist.Worker"));
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
        string why = DescribeShutdown(CoordinatedShutdown.Get(system).ShutdownReason);
        return new WorkerOutcome(WorkerOutcomeKind.LostCoordinator, why, worker.Completion.IsCompletedSuccessfully ? worker.Completion.Result.ShardsDone : 0);
    }

    // A TLS coordinator closes every connection of a worker without TLS before a word of Akka is exchanged, so the
    // worker itself only sees its join attempts go unanswered: after a few, it says what may be wrong.
    private static void WarnIfNotJoined(ActorSystem system, ClusterNodeOptions node, ILogger log)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var hint = system.Scheduler.Advanced.ScheduleOnceCancelable(node.JoinHintAfter, () =>
        {
            // A node that has joined knows its cluster's leader (it may not be up yet: the hint is cancelled only then).
            if (cluster.State.Leader is not null || system.WhenTerminated.IsCompleted)
                return;
            log.LogWarning("Not in the cluster after {Seconds:0} s of join attempts: this worker runs without TLS (--insecure), and a coordinator that "
                + "runs with TLS (without --insecure) refuses it; then give this worker the cluster certificate (--cert). Otherwise check that the "
                + "coordinator is up at {Seed}", node.JoinHintAfter.TotalSeconds, node.SeedAddress);
        });
        cluster.RegisterOnMemberUp(hint.Cancel);
    }

    /// <summary>Why a worker's node shut down, for the user.</summary>
    internal static string DescribeShutdown(CoordinatedShutdown.Reason? reason) => reason switch
    {
        CoordinatedShutdown.ClusterDowningReason => "this node was downed (the coordinator gave up on it, or it was cut off from the coordinator)",
        CoordinatedShutdown.ClusterJoinUnsuccessfulReason => "this node could not join the cluster",
        GracefulLeave leave => $"this node left the cluster ({leave.Why})",
        null => "the node stopped",
        // Akka shuts a node down when its outbound TLS handshake fails (an internal reason type that carries Akka's message).
        _ when reason.GetType().Name == "TlsHandshakeFailureReason" => DescribeTlsFailure(reason.GetType().GetProperty("Message")?.GetValue(reason) as string),
        _ => $"the node shut down ({reason.GetType().Name})",
    };

    // Akka's message says what the handshake met. A coordinator without TLS answers the TLS hello with a plain Akka
    // frame; a coordinator with another certificate is refused by this node's pin. A coordinator that refuses this
    // node's certificate first only closes the connection, which looks like any other failure: then both are named.
    private static string DescribeTlsFailure(string? detail)
    {
        const string failed = "the TLS handshake with the coordinator failed";
        if (detail is not null && detail.Contains("not an SSL/TLS record", StringComparison.Ordinal))
            return $"{failed}: it answered without TLS, so it probably runs with --insecure (give this worker --insecure too, or the coordinator the cluster certificate)";
        if (detail is not null && detail.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal))
            return $"{failed}: it presents another certificate than this node's (every node needs the same --cert)";
        string error = detail is null ? string.Empty : FirstErrorLine(detail);
        return $"{failed}{(error.Length > 0 ? $" ({error})" : string.Empty)}: the coordinator may run without TLS (--insecure) or with a different certificate";
    }

    // Akka's message is several lines of troubleshooting advice; the cause is on the line that starts "Error:".
    private static string FirstErrorLine(string detail)
    {
        foreach (var line in detail.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("Error:", StringComparison.Ordinal))
                return trimmed["Error:".Length..].Trim();
        }
        return string.Empty;
    }

    /// <summary>Why a worker's node is leaving when it leaves on purpose.</summary>
    private sealed class GracefulLeave(string why) : CoordinatedShutdown.Reason
    {
        public string Why => why;

        public override int ExitCode => 0;
    }
}
