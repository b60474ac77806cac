using ClusterMnist.Actors;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// Starts a worker actor that joins <c>coordinator</c> and computes shards of its own copy of the training set.
/// A thin host calls <see cref="LeaveAsync"/> on SIGTERM and exits when <see cref="Completion"/> completes.
/// </summary>
public sealed class WorkerHost
{
    private readonly ActorSystem _system;

    private WorkerHost(ActorSystem system, IActorRef worker, WorkerSettings settings, Task<WorkerOutcome> completion)
    {
        _system = system;
        Worker = worker;
        Settings = settings;
        Completion = completion;
    }

    /// <summary>The worker actor ("/user/worker-{id}").</summary>
    public IActorRef Worker { get; }

    /// <summary>The worker's settings.</summary>
    public WorkerSettings Settings { get; }

    /// <summary>Completes when the run finishes, the coordinator refuses the worker, or the worker leaves or fails.</summary>
    public Task<WorkerOutcome> Completion { get; }

    /// <summary>Starts a worker in <paramref name="system"/>.</summary>
    /// <param name="system">The worker's actor system (with remoting, the coordinator reference is a remote one).</param>
    /// <param name="coordinator">The coordinator to join.</param>
    /// <param name="train">The worker's own training set; its fingerprint must match the coordinator's.</param>
    /// <param name="settings">Id, threads, heartbeat period.</param>
    public static WorkerHost Start(ActorSystem system, IActorRef coordinator, ImageSet train, WorkerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var outcome = new TaskCompletionSource<WorkerOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        string name = "worker-" + settings.WorkerId.Replace('/', '_');
        var worker = system.Spawn(Props.Create(() => new WorkerActor(settings, coordinator, train, outcome)), name);
        return new WorkerHost(system, worker, settings, outcome.Task);
    }

    /// <summary>
    /// Leaves gracefully (what SIGTERM does): the shards in progress are finished and sent, the coordinator is told
    /// goodbye, then the actor stops. Waits at most <paramref name="timeout"/> for the shards in progress.
    /// </summary>
    public async Task<WorkerOutcome> LeaveAsync(string reason, TimeSpan timeout)
    {
        Worker.Tell(new Protocol.Drain(reason));
        WorkerOutcome outcome;
        try
        {
            outcome = await Completion.WaitAsync(timeout, _system.TimeProvider).ConfigureAwait(false);
        }
        finally
        {
            await _system.Stop(Worker).ConfigureAwait(false);
        }
        return outcome;
    }

    /// <summary>Stops the worker at once, without goodbye (the coordinator notices through death watch or silence).</summary>
    public Task KillAsync() => _system.Stop(Worker);
}
