using Akka.Actor;
using ClusterMnist.Cluster.Actors;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// Starts a coordinator actor in an actor system (local, or a cluster node whose workers reach it over Akka.Remote and
/// the data plane) and gives a thin host (CLI command, web server) what it needs: the actor reference, events, status
/// snapshot and completion.
/// </summary>
public sealed class CoordinatorHost
{
    /// <summary>The coordinator actor's name under /user; workers on other nodes find it by this name.</summary>
    public const string ActorName = "coordinator";

    private CoordinatorHost(IActorRef coordinator, TrainingRun run, CoordinatorSettings settings, CoordinatorEvents events)
    {
        Coordinator = coordinator;
        Options = run.Options;
        Settings = settings;
        Events = events;
    }

    /// <summary>The coordinator actor ("/user/coordinator").</summary>
    public IActorRef Coordinator { get; }

    /// <summary>The run's settings (for a resumed run, those stored in the checkpoint).</summary>
    public TrainingOptions Options { get; }

    /// <summary>The cluster settings in effect.</summary>
    public CoordinatorSettings Settings { get; }

    /// <summary>Step, epoch and parameter events, and the status snapshot.</summary>
    public CoordinatorEvents Events { get; }

    /// <summary>The latest status snapshot (members, progress, history).</summary>
    public ClusterStatus? Status => Events.Status;

    /// <summary>Completes with the result when all epochs are done; faults when the run fails or is stopped.</summary>
    public Task<TrainingResult> Completion => Events.Completion;

    /// <summary>Starts a new run of <paramref name="options"/> on <paramref name="data"/>.</summary>
    public static CoordinatorHost Start(ActorSystem system, TrainingOptions options, DataSplit data, CoordinatorSettings settings,
        CoordinatorEvents? events = null)
        => Start(system, new TrainingRun(options, data), settings, events);

    /// <summary>
    /// Continues the run saved in <paramref name="checkpointPath"/>; it ends with the same parameters as the uninterrupted
    /// run. Checkpoints continue to <paramref name="settings"/>' path, or this one when none is set, every as many steps
    /// as stored when the settings say 0.
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, or does not match <paramref name="data"/>.</exception>
    public static CoordinatorHost Resume(ActorSystem system, string checkpointPath, DataSplit data, CoordinatorSettings settings,
        CoordinatorEvents? events = null)
    {
        var (run, resumed) = PrepareResume(checkpointPath, data, settings);
        return Start(system, run, resumed, events);
    }

    /// <summary>The run saved in <paramref name="checkpointPath"/> and the settings to continue it with (see <see cref="Resume"/>).</summary>
    /// <exception cref="CheckpointException">The file is unreadable, or does not match <paramref name="data"/>.</exception>
    public static (TrainingRun Run, CoordinatorSettings Settings) PrepareResume(string checkpointPath, DataSplit data, CoordinatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var state = Checkpoint.Read(checkpointPath);
        var run = TrainingRun.FromCheckpoint(state, data, Math.Max(1, settings.MinWorkers), checkpointPath);
        return (run, settings with
        {
            CheckpointPath = settings.CheckpointPath ?? checkpointPath,
            CheckpointEverySteps = settings.CheckpointEverySteps > 0 ? settings.CheckpointEverySteps : state.CheckpointEverySteps,
        });
    }

    /// <summary>Starts a coordinator that drives <paramref name="run"/>.</summary>
    public static CoordinatorHost Start(ActorSystem system, TrainingRun run, CoordinatorSettings settings, CoordinatorEvents? events = null)
        => Start(system, run, settings, events, (ICoordinatorDataPlane?)null);

    /// <summary>
    /// Starts a coordinator that drives <paramref name="run"/> on a cluster node, for workers on this and other nodes:
    /// their tensors travel through shared memory (on this host) or <paramref name="dataPlane"/>.
    /// </summary>
    public static CoordinatorHost Start(ActorSystem system, TrainingRun run, CoordinatorSettings settings, CoordinatorEvents? events,
        CoordinatorDataPlane dataPlane)
        => Start(system, run, settings, events, (ICoordinatorDataPlane)dataPlane);

    private static CoordinatorHost Start(ActorSystem system, TrainingRun run, CoordinatorSettings settings, CoordinatorEvents? events,
        ICoordinatorDataPlane? dataPlane)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        events ??= new CoordinatorEvents();
        var coordinator = system.ActorOf(CoordinatorActor.Props(run, settings, events, dataPlane), ActorName);
        return new CoordinatorHost(coordinator, run, settings, events);
    }

    /// <summary>Stops the coordinator; an unfinished run's <see cref="Completion"/> is cancelled.</summary>
    public Task StopAsync() => Coordinator.GracefulStop(TimeSpan.FromSeconds(10));
}
