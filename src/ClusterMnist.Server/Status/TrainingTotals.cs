namespace ClusterMnist.Server.Status;

/// <summary>
/// Running totals of the training this process has coordinated (steps before a resume are not counted again):
/// what the Prometheus counters export, so rates over any window come out of the scraper, not out of us.
/// </summary>
/// <param name="Steps">Optimizer steps completed.</param>
/// <param name="Samples">Training samples in those steps.</param>
/// <param name="DataPlaneBytes">Bytes moved between coordinator and workers for them.</param>
/// <param name="ComputeSeconds">Summed <see cref="StepCost.ComputeSeconds"/>.</param>
/// <param name="CommunicationSeconds">Summed <see cref="StepCost.CommunicationSeconds"/>.</param>
/// <param name="ReductionSeconds">Summed <see cref="StepCost.ReductionSeconds"/>.</param>
/// <param name="WaitingSeconds">Summed <see cref="StepCost.WaitingSeconds"/>.</param>
/// <param name="Reassignments">Assignments handed to another worker because theirs left or died.</param>
public sealed record TrainingTotals(
    long Steps, long Samples, long DataPlaneBytes, double ComputeSeconds, double CommunicationSeconds, double ReductionSeconds,
    double WaitingSeconds, long Reassignments)
{
    /// <summary>Nothing yet.</summary>
    public static TrainingTotals Zero { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>These totals plus one step costing <paramref name="cost"/>.</summary>
    public TrainingTotals Add(StepCost cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return this with
        {
            Steps = Steps + 1,
            Samples = Samples + cost.Samples,
            DataPlaneBytes = DataPlaneBytes + cost.DataPlaneBytes,
            ComputeSeconds = ComputeSeconds + cost.ComputeSeconds,
            CommunicationSeconds = CommunicationSeconds + cost.CommunicationSeconds,
            ReductionSeconds = ReductionSeconds + cost.ReductionSeconds,
            WaitingSeconds = WaitingSeconds + cost.WaitingSeconds,
        };
    }
}
