using Akka.Actor;
using ClusterMnist.Cluster.Actors;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// Starts a worker actor and gives its host what it needs: a graceful leave (what SIGTERM does) and the outcome.
/// </summary>
public sealed class WorkerHost
{
    private WorkerHost(IActorRef worker, WorkerSettings settings, WorkerProgress progress)
    {
        Worker = worker;
        Settings = settings;
        Completion = progress.Outcome;
        Ready = progress.Ready;
    }

    /// <summary>The worker actor ("/user/worker-{id}").</summary>
    public IActorRef Worker { get; }

    /// <summary>The worker's settings.</summary>
    public WorkerSettings Settings { get; }

    /// <summary>Completes when the run finishes, the coordinator refuses the worker or is lost, or the worker leaves or fails.</summary>
    public Task<WorkerOutcome> Completion { get; }

    /// <summary>Completes once the worker has joined, loaded its data and attached its data plane.</summary>
    public Task Ready { get; }

    /// <summary>Starts a worker in the coordinator's actor system that joins <paramref name="coordinator"/> and computes on <paramref name="train"/>.</summary>
    public static WorkerHost Start(ActorSystem system, IActorRef coordinator, ImageSet train, WorkerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(train);
        return Start(system, coordinator, new InProcessWorkerResources(train), settings);
    }

    /// <summary>
    /// Starts a worker that joins <paramref name="coordinator"/>, or, when it is null, the coordinator of the cluster
    /// <paramref name="system"/> is a member of.
    /// </summary>
    internal static WorkerHost Start(ActorSystem system, IActorRef? coordinator, IWorkerResources resources, WorkerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var progress = new WorkerProgress();
        string name = "worker-" + Uri.EscapeDataString(settings.WorkerId);
        var worker = system.ActorOf(WorkerActor.Props(settings, coordinator, resources, progress), name);
        return new WorkerHost(worker, settings, progress);
    }

    /// <summary>
    /// Leaves gracefully (what SIGTERM does): the shards in progress are finished and sent, the coordinator is told
    /// goodbye, then the actor stops. Waits at most <paramref name="timeout"/> for the shards in progress.
    /// </summary>
    /// <exception cref="TimeoutException">The shards in progress did not finish in time.</exception>
    public async Task<WorkerOutcome> LeaveAsync(string reason, TimeSpan timeout)
    {
        Worker.Tell(new Drain(reason));
        try
        {
            return await Completion.WaitAsync(timeout).ConfigureAwait(false);
        }
        finally
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the worker at once, without goodbye (the coordinator notices through death watch).</summary>
    public async Task KillAsync()
    {
        try
        {
            await Worker.GracefulStop(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TaskCanceledException)
        {
            // Stopped already, or its system is shutting down.
        }
    }
}
