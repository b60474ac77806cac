using ClusterMnist.Cluster.Coordinator;

namespace ClusterMnist.Server.Status;

/// <summary>What one optimizer step took: the samples it trained on, its data-plane traffic and where its wall time went.</summary>
/// <param name="Samples">Training samples in the step's batch.</param>
/// <param name="DataPlaneBytes">Bytes of parameters, shards and gradient sums the step moved between coordinator and workers.</param>
/// <param name="Time">Where the step's wall time went, in seconds.</param>
public sealed record StepCost(int Samples, long DataPlaneBytes, StepTimeSplit Time)
{
    /// <summary>A step with no samples, bytes or time.</summary>
    public static StepCost None { get; } = new(0, 0, StepTimeSplit.Zero);
}
