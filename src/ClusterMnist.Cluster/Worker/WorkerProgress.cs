namespace ClusterMnist.Cluster.Worker;

/// <summary>What a worker actor tells its host as it goes: that it is ready for shards, and how it stopped taking part.</summary>
internal sealed class WorkerProgress
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<WorkerOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the worker has loaded its data and attached its data plane (it may never be).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Completes with why the worker stopped taking part.</summary>
    public Task<WorkerOutcome> Outcome => _outcome.Task;

    public void SetReady() => _ready.TrySetResult();

    public void End(WorkerOutcome outcome) => _outcome.TrySetResult(outcome);
}
