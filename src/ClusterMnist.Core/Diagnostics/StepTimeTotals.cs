namespace ClusterMnist.Core.Diagnostics;

/// <summary>
/// Seconds per <see cref="StepPhase"/> (indexed by the phase's value) recorded by <see cref="StepTimings"/>:
/// <paramref name="WorkerSeconds"/> summed over every worker thread, <paramref name="CoordinatorSeconds"/> the
/// wall time of the coordinator's passes.
/// </summary>
public sealed record StepTimeTotals(IReadOnlyList<double> WorkerSeconds, IReadOnlyList<double> CoordinatorSeconds)
{
    /// <summary>Worker-thread seconds of <paramref name="phase"/>.</summary>
    public double Worker(StepPhase phase) => WorkerSeconds[(int)phase];

    /// <summary>Coordinator seconds of <paramref name="phase"/>.</summary>
    public double Coordinator(StepPhase phase) => CoordinatorSeconds[(int)phase];
}
