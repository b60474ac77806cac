namespace ClusterMnist.Server.Status;

/// <summary>What one optimizer step took: the samples it trained on, its data-plane traffic and where its wall time went.</summary>
/// <param name="Samples">Training samples in the step's batch.</param>
/// <param name="DataPlaneBytes">Bytes of parameters, shards and gradient sums the step moved between coordinator and workers.</param>
/// <param name="ComputeSeconds">Worker compute on the step's critical path.</param>
/// <param name="CommunicationSeconds">Round trip of that work minus its compute: serialization, network, queues.</param>
/// <param name="ReductionSeconds">Coordinator time summing gradients and applying the optimizer.</param>
/// <param name="WaitingSeconds">Time with no worker to give shards to, and whatever the others leave unexplained.</param>
public sealed record StepCost(
    int Samples, long DataPlaneBytes, double ComputeSeconds, double CommunicationSeconds, double ReductionSeconds, double WaitingSeconds);
