namespace ClusterMnist.Server.Status;

/// <summary>A snapshot of the cluster for <c>/api/status</c>.</summary>
/// <param name="Members">The nodes taking part (workers, and the coordinator if it trains).</param>
/// <param name="Progress">Where training is.</param>
/// <param name="Configuration">The settings in force, as name → printed value.</param>
public sealed record ClusterStatus(
    IReadOnlyList<MemberStatus> Members, TrainingProgress Progress, IReadOnlyDictionary<string, string> Configuration);

/// <summary>One cluster member.</summary>
/// <param name="Id">Stable member id.</param>
/// <param name="Address">Where it is reached, e.g. <c>10.0.0.5:7001</c>.</param>
/// <param name="State">
/// Its state: in a cluster, its node's (<c>joining</c>, <c>up</c>, <c>unreachable</c>, <c>leaving</c>, <c>down</c>,
/// <c>removed</c>) or <c>refused</c>; <c>training</c> for the trainer of a standalone server.
/// </param>
/// <param name="LastHeartbeat">When it was last heard from; null if never.</param>
/// <param name="ShardsDone">Micro-shards it has computed in this run.</param>
/// <param name="SamplesPerSecond">Its recent training throughput.</param>
/// <param name="Role">"worker", or "coordinator" for the coordinator's own node.</param>
/// <param name="Reason">Why it left, died or was refused, when it did.</param>
public sealed record MemberStatus(
    string Id, string Address, string State, DateTimeOffset? LastHeartbeat, long ShardsDone, double SamplesPerSecond, string Role = "worker",
    string? Reason = null);

/// <summary>Training progress: the position, the running numbers of the epoch in progress and the finished epochs.</summary>
/// <param name="State">e.g. <c>waiting</c>, <c>training</c>, <c>finished</c>, <c>failed</c>.</param>
/// <param name="Epoch">1-based epoch in progress (or the last one, when finished).</param>
/// <param name="TotalEpochs">Epochs of the whole run.</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="StepInEpoch">Steps done in the epoch in progress.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Loss">Running mean training loss of the epoch in progress.</param>
/// <param name="Accuracy">Running training accuracy of the epoch in progress.</param>
/// <param name="SamplesPerSecond">Training throughput of the epoch in progress.</param>
/// <param name="History">One entry per finished epoch, oldest first.</param>
public sealed record TrainingProgress(
    string State, int Epoch, int TotalEpochs, long Step, int StepInEpoch, int StepsPerEpoch,
    double Loss, double Accuracy, double SamplesPerSecond, IReadOnlyList<EpochPoint> History);

/// <summary>The numbers of one finished epoch, for the loss and accuracy curves.</summary>
public sealed record EpochPoint(
    int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds);
