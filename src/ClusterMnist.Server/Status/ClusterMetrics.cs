namespace ClusterMnist.Server.Status;

/// <summary>The training and cluster values <c>/metrics</c> exports.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="Epoch">1-based epoch in progress (0 before training starts).</param>
/// <param name="Loss">Running mean training loss of the epoch in progress.</param>
/// <param name="Accuracy">Running training accuracy of the epoch in progress.</param>
/// <param name="TestAccuracy">Test accuracy after the last finished epoch; null before the first.</param>
/// <param name="SamplesPerSecond">Training throughput.</param>
/// <param name="LiveWorkers">Workers currently taking part.</param>
/// <param name="BytesPerStep">Bytes sent and received per optimizer step by the coordinator.</param>
public sealed record ClusterMetrics(
    long Step, int Epoch, double Loss, double Accuracy, double? TestAccuracy, double SamplesPerSecond, int LiveWorkers, long BytesPerStep)
{
    /// <summary>Running totals of steps, samples, data-plane bytes, step time and reassignments.</summary>
    public TrainingTotals Totals { get; init; } = TrainingTotals.Zero;

    /// <summary>
    /// How many members are in each state, keyed by the state as the status reports it (e.g. <c>training</c>,
    /// <c>dead</c>); states nobody is in are absent.
    /// </summary>
    public IReadOnlyDictionary<string, int> MembersByState { get; init; } = new Dictionary<string, int>();
}
