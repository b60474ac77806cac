using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Coordinator;

/// <summary>Where a member stands.</summary>
public enum MemberState
{
    /// <summary>Accepted; loading its data and attaching to its data plane.</summary>
    Joining,

    /// <summary>Ready and receiving shards.</summary>
    Active,

    /// <summary>
    /// Its node is unreachable or its connection dropped: its shards went to the others. It is taken back if its node
    /// becomes reachable again, and declared dead when the split brain resolver downs it.
    /// </summary>
    Unreachable,

    /// <summary>Said goodbye.</summary>
    Left,

    /// <summary>Its node was lost (connection, failure detector, removal) or it missed an assignment deadline.</summary>
    Dead,

    /// <summary>Not admitted (e.g. different data set).</summary>
    Refused,
}

/// <summary>What the coordinator is doing.</summary>
public enum CoordinatorPhase
{
    /// <summary>Waiting for enough workers (before the first step, or when all have gone).</summary>
    WaitingForWorkers,

    /// <summary>Running steps.</summary>
    Training,

    /// <summary>All epochs done.</summary>
    Completed,

    /// <summary>Stopped by an error (e.g. divergence).</summary>
    Failed,
}

/// <summary>Where a step's wall time went (seconds). See <see cref="ClusterStepReport"/>.</summary>
/// <param name="Compute">Worker compute time on the critical path (the last assignment to answer, per attempt).</param>
/// <param name="Communication">That assignment's round trip minus its compute time: serialization, network, queues.</param>
/// <param name="Reduction">Coordinator time adding partials, applying the optimizer and snapshotting parameters.</param>
/// <param name="Waiting">Time with shards left unassigned because no worker was alive, plus what the above leave unexplained.</param>
public sealed record StepTimeSplit(double Compute, double Communication, double Reduction, double Waiting)
{
    /// <summary>All zero.</summary>
    public static StepTimeSplit Zero { get; } = new(0, 0, 0, 0);

    /// <summary>Component-wise sum.</summary>
    public StepTimeSplit Add(StepTimeSplit other) =>
        new(Compute + other.Compute, Communication + other.Communication, Reduction + other.Reduction, Waiting + other.Waiting);

    /// <summary>Component-wise division (e.g. a per-step mean).</summary>
    public StepTimeSplit Divide(double by) => by <= 0 ? Zero : new(Compute / by, Communication / by, Reduction / by, Waiting / by);
}

/// <summary>One step of the cluster: the same StepReport as LocalTrainer's, plus cluster facts.</summary>
/// <param name="Report">Epoch, step, running loss/accuracy, samples/s.</param>
/// <param name="Samples">Rows of the step's batch (the last step of an epoch may have fewer than the batch size).</param>
/// <param name="LiveWorkers">Workers alive when the step completed.</param>
/// <param name="WorkersUsed">Distinct workers that received shards of the step.</param>
/// <param name="WireBytes">Bytes of the step's assignments, answers and tensors between nodes (all workers): serialized messages plus data plane frames.</param>
/// <param name="Attempts">1, or more when the step was redone after an exponent overflow.</param>
/// <param name="Seconds">Wall time of the step.</param>
/// <param name="Time">Split of <paramref name="Seconds"/>.</param>
public sealed record ClusterStepReport(StepReport Report, int Samples, int LiveWorkers, int WorkersUsed, long WireBytes, int Attempts, double Seconds, StepTimeSplit Time);

/// <summary>One epoch of the cluster: the same EpochReport as LocalTrainer's, plus cluster facts.</summary>
/// <param name="Report">Epoch, train/test loss and accuracy, seconds, samples/s.</param>
/// <param name="LiveWorkers">Workers alive at the end of the epoch.</param>
/// <param name="BytesPerStep">Mean bytes per step between nodes (all workers), as <see cref="ClusterStepReport.WireBytes"/>.</param>
/// <param name="BytesPerStepPerWorker">Mean of those bytes per step and worker used.</param>
/// <param name="ParameterBytes">4 × parameter count, for the ratio BytesPerStepPerWorker / ParameterBytes.</param>
/// <param name="TimePerStep">Mean split of a step's wall time.</param>
/// <param name="Redos">Step attempts redone after an exponent overflow.</param>
/// <param name="Reassignments">Assignments handed to other workers because their worker left or died.</param>
/// <param name="LateAnswersIgnored">Answers ignored in the epoch because their assignment was no longer current.</param>
public sealed record ClusterEpochReport(EpochReport Report, int LiveWorkers, double BytesPerStep, double BytesPerStepPerWorker,
    long ParameterBytes, StepTimeSplit TimePerStep, int Redos, int Reassignments, long LateAnswersIgnored);

/// <summary>A member as a status page shows it.</summary>
/// <param name="Id">Worker id (for a cluster node that hosts no worker, its host:port).</param>
/// <param name="Address">Its node's address (akka.ssl.tcp://…), or the local system's for a worker in the coordinator's process.</param>
/// <param name="Role">"worker" or "coordinator".</param>
/// <param name="Cores">Threads it computes on.</param>
/// <param name="State">The coordinator's account: joining, active, left, dead or refused.</param>
/// <param name="ClusterState">What a status page shows: the cluster's state of its node (joining, up, unreachable, leaving, down, removed), or refused.</param>
/// <param name="LastSeen">When the coordinator last heard from it.</param>
/// <param name="ShardsDone">Micro-shards it has answered.</param>
/// <param name="SamplesPerSecond">Samples it computed per second of its compute time.</param>
/// <param name="Reason">Why it left, died or was refused; null while active.</param>
public sealed record MemberStatus(string Id, string Address, string Role, int Cores, MemberState State, string ClusterState, DateTimeOffset? LastSeen,
    long ShardsDone, double SamplesPerSecond, string? Reason);

/// <summary>A snapshot of the coordinator for a status page (immutable; a new one is published on every change).</summary>
/// <param name="Phase">Waiting, training, completed or failed.</param>
/// <param name="Epoch">1-based epoch in progress (the last one once complete); 0 before a new run's first step.</param>
/// <param name="Epochs">Epochs of the run.</param>
/// <param name="Step">Global steps completed.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="StepInEpoch">Steps completed in the epoch in progress.</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="LiveWorkers">Active members.</param>
/// <param name="Members">Every worker that ever joined (or was refused), in join order.</param>
/// <param name="History">Reports of the completed epochs (loss/accuracy history).</param>
/// <param name="LastStep">The latest step's report.</param>
/// <param name="Reassignments">Assignments handed to other workers so far.</param>
/// <param name="LateAnswersIgnored">Answers ignored because their assignment was no longer current.</param>
/// <param name="Error">Why the run failed, when it did.</param>
public sealed record ClusterStatus(CoordinatorPhase Phase, int Epoch, int Epochs, long Step, long TotalSteps, int StepInEpoch,
    int StepsPerEpoch, int LiveWorkers, IReadOnlyList<MemberStatus> Members, IReadOnlyList<ClusterEpochReport> History,
    ClusterStepReport? LastStep, int Reassignments, long LateAnswersIgnored, string? Error);

/// <summary>The parameters after a step, published for e.g. a prediction endpoint.</summary>
/// <param name="Step">Global step they result from.</param>
/// <param name="Epoch">1-based epoch of that step.</param>
/// <param name="Parameters">
/// The flat parameter vector, as a view of the coordinator's own buffer: valid only while the event handler runs.
/// A handler copies what it keeps (most steps, a throttled publisher keeps nothing, and then nothing is copied).
/// </param>
public sealed record ParameterSnapshot(long Step, int Epoch, ReadOnlyMemory<float> Parameters);
