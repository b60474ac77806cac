using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Coordinator;

/// <summary>
/// What a coordinator tells the outside world: per-step and per-epoch reports, newly published parameters, the
/// latest <see cref="ClusterStatus"/> and the run's completion. Events are raised on the coordinator's actor loop,
/// one at a time; handlers must be quick and must not block (a handler that throws fails the run).
/// </summary>
public sealed class CoordinatorEvents
{
    private readonly TaskCompletionSource<TrainingResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ClusterStatus? _status;

    /// <summary>Raised after every optimizer step (checkpoint of that step, if due, already written).</summary>
    public event Action<ClusterStepReport>? StepCompleted;

    /// <summary>Raised after every epoch, once its checkpoint (if any) is written.</summary>
    public event Action<ClusterEpochReport>? EpochCompleted;

    /// <summary>Raised after every step with a view of the new parameters (valid during the handler only; copy what you keep).</summary>
    public event Action<ParameterSnapshot>? ParametersPublished;

    /// <summary>The latest snapshot; null until the coordinator has started.</summary>
    public ClusterStatus? Status => _status;

    /// <summary>Completes with the result when all epochs are done, or faults when the run fails.</summary>
    public Task<TrainingResult> Completion => _completion.Task;

    internal bool WantsParameters => ParametersPublished is not null;

    internal void Publish(ClusterStatus status) => _status = status;

    internal void OnStep(ClusterStepReport report) => StepCompleted?.Invoke(report);

    internal void OnEpoch(ClusterEpochReport report) => EpochCompleted?.Invoke(report);

    internal void OnParameters(ParameterSnapshot snapshot) => ParametersPublished?.Invoke(snapshot);

    internal void Complete(TrainingResult result) => _completion.TrySetResult(result);

    internal void Fail(Exception error) => _completion.TrySetException(error);
}
