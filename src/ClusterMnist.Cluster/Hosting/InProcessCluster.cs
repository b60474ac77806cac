using System.Collections.Concurrent;
using Akka.Actor;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// The cluster in one process: the coordinator actor and <c>Options.Workers</c> worker actors in one actor system,
/// exchanging the same protocol records by local reference, tensors included (nothing is serialized). It mirrors
/// LocalTrainer's API (constructor, Resume, StepCompleted, EpochCompleted, CheckpointPath, CheckpointEverySteps,
/// Run → TrainingResult), so a host can switch between them with one line, and ends with the same parameters.
/// </summary>
public sealed partial class InProcessCluster : ITrainer
{
    private readonly TrainingRun _run;
    private readonly ConcurrentDictionary<string, WorkerHost> _workers = new(StringComparer.Ordinal);
    private AkkaNode? _node;
    private CoordinatorHost? _coordinator;

    /// <summary>Prepares a run of <paramref name="options"/> with <c>options.Workers</c> worker actors.</summary>
    public InProcessCluster(TrainingOptions options, DataSplit data)
        : this(new TrainingRun(options, data), options.Workers)
    {
    }

    private InProcessCluster(TrainingRun run, int workers)
    {
        _run = run;
        WorkerCount = workers;
        MinWorkers = workers;
    }

    /// <summary>Raised after every optimizer step (on the coordinator's loop).</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised after every epoch, once its checkpoint (if any) is written.</summary>
    public event Action<EpochReport>? EpochCompleted;

    /// <summary>Raised after every step with the cluster's facts (workers, bytes, time split).</summary>
    public event Action<ClusterStepReport>? ClusterStepCompleted;

    /// <summary>Raised after every epoch with the cluster's facts.</summary>
    public event Action<ClusterEpochReport>? ClusterEpochCompleted;

    /// <summary>Where to write checkpoints (at each epoch end, so also at the end); null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Also checkpoint every this many global steps inside an epoch (0 = only at epoch ends).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>Threads each worker actor computes on (default 1).</summary>
    public int ThreadsPerWorker { get; init; } = 1;

    /// <summary>Workers the coordinator waits for before the first step (default: all of them).</summary>
    public int MinWorkers { get; init; }

    /// <summary>A planned scale-up: the first step of that epoch waits until that many workers are live (none when null).</summary>
    public ScaleAt? ScaleAt { get; init; }

    /// <summary>
    /// Serialize every message, as if it crossed nodes (akka.actor.serialize-messages): for tests that show each
    /// message round-trips. Slower; never on for real runs.
    /// </summary>
    public bool SerializeMessages { get; init; }

    /// <summary>Where the actors log; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Worker actors started by <see cref="Run"/>.</summary>
    public int WorkerCount { get; }

    /// <summary>The options of this run (for a resumed run, those stored in the checkpoint).</summary>
    public TrainingOptions Options => _run.Options;

    /// <summary>Optimizer steps per epoch.</summary>
    public int StepsPerEpoch => _run.StepsPerEpoch;

    /// <summary>Steps recomputed because a shard overflowed the reduction's exponent.</summary>
    public int RedoCount => _run.RedoCount;

    /// <summary>The coordinator's latest status snapshot; null before <see cref="Run"/>.</summary>
    public ClusterStatus? Status => _coordinator?.Status;

    /// <summary>The workers started so far, by id.</summary>
    public IReadOnlyDictionary<string, WorkerHost> Workers => _workers;

    /// <summary>Continues the run saved in <paramref name="checkpointPath"/> with <paramref name="workers"/> worker actors.</summary>
    /// <exception cref="CheckpointException">The file is unreadable, or does not match <paramref name="data"/>.</exception>
    public static InProcessCluster Resume(string checkpointPath, DataSplit data, int workers)
    {
        var state = Checkpoint.Read(checkpointPath);
        return new InProcessCluster(TrainingRun.FromCheckpoint(state, data, workers, checkpointPath), workers)
        {
            CheckpointPath = checkpointPath,
            CheckpointEverySteps = state.CheckpointEverySteps,
        };
    }

    /// <summary>Trains the remaining epochs and returns the final parameters and test evaluation.</summary>
    public TrainingResult Run(CancellationToken cancellationToken = default) => RunAsync(cancellationToken).GetAwaiter().GetResult();

    /// <summary>Trains the remaining epochs and returns the final parameters and test evaluation.</summary>
    public async Task<TrainingResult> RunAsync(CancellationToken cancellationToken = default)
    {
        if (_node is not null)
            throw new InvalidOperationException("An in-process cluster runs once.");
        _node = await AkkaNode.StartAsync(node: null, LoggerFactory, SerializeMessages, cancellationToken).ConfigureAwait(false);
        var events = new CoordinatorEvents();
        events.StepCompleted += report =>
        {
            StepCompleted?.Invoke(report.Report);
            ClusterStepCompleted?.Invoke(report);
        };
        events.EpochCompleted += report =>
        {
            EpochCompleted?.Invoke(report.Report);
            ClusterEpochCompleted?.Invoke(report);
        };
        var settings = new CoordinatorSettings
        {
            MinWorkers = Math.Max(1, MinWorkers),
            ScaleAt = ScaleAt,
            CheckpointPath = CheckpointPath,
            CheckpointEverySteps = CheckpointEverySteps,
        };
        try
        {
            _coordinator = CoordinatorHost.Start(_node.System, _run, settings, events);
            for (int w = 1; w <= WorkerCount; w++)
                AddWorker($"w{w}");
            using var cancel = cancellationToken.Register(() => _ = StopAsync("the run was cancelled"));
            try
            {
                return await _coordinator.Completion.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("Training was cancelled.", cancellationToken);
            }
        }
        finally
        {
            await _node.DisposeAsync().ConfigureAwait(false);
        }
    }

    // A stop on purpose: the workers are told first, so that the coordinator's end is no news to them (a worker that
    // loses its coordinator unasked warns of it).
    private Task StopAsync(string reason)
    {
        foreach (var worker in _workers.Values)
            worker.Worker.Tell(new Actors.CoordinatorStopping(reason));
        return _coordinator!.StopAsync();
    }

    /// <summary>
    /// Starts another worker (e.g. mid-run, from an event handler); it is used from the first step that starts after it
    /// is ready (see <see cref="ScaleAt"/> to make an epoch wait for it).
    /// </summary>
    /// <param name="id">Unique worker id.</param>
    /// <param name="train">Its training set; by default the coordinator's (a different one is refused).</param>
    public WorkerHost AddWorker(string id, ImageSet? train = null)
    {
        var system = _node?.System ?? throw new InvalidOperationException("Workers can be added once Run has started.");
        var coordinator = _coordinator ?? throw new InvalidOperationException("Workers can be added once Run has started.");
        var settings = new WorkerSettings(id, ThreadsPerWorker);
        var host = WorkerHost.Start(system, coordinator.Coordinator, train ?? _run.Data.Train, settings);
        if (!_workers.TryAdd(id, host))
            throw new InvalidOperationException($"A worker with id '{id}' already exists.");
        return host;
    }
}
