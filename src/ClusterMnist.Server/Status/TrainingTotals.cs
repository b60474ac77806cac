using ClusterMnist.Cluster.Coordinator;

namespace ClusterMnist.Server.Status;

/// <summary>
/// Running totals of the training this process has coordinated (steps before a resume are not counted again):
/// what the Prometheus counters export, so rates over any window come out of the scraper, not out of us.
/// </summary>
/// <param name="Steps">Optimizer steps completed.</param>
/// <param name="Samples">Training samples in those steps.</param>
/// <param name="DataPlaneBytes">Bytes moved between coordinator and workers for them.</param>
/// <param name="Time">Their summed <see cref="StepCost.Time"/>, in seconds.</param>
/// <param name="Reassignments">Assignments handed to another worker because theirs left or died.</param>
public sealed record TrainingTotals(long Steps, long Samples, long DataPlaneBytes, StepTimeSplit Time, long Reassignments)
{
    /// <summary>Nothing yet.</summary>
    public static TrainingTotals Zero { get; } = new(0, 0, 0, StepTimeSplit.Zero, 0);

    /// <summary>These totals plus one step costing <paramref name="cost"/>.</summary>
    public TrainingTotals Add(StepCost cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return this with
        {
            Steps = Steps + 1,
            Samples = Samples + cost.Samples,
            DataPlaneBytes = DataPlaneBytes + cost.DataPlaneBytes,
            Time = Time.Add(cost.Time),
        };
    }
}
