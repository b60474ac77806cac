namespace ClusterMnist.Cluster.Coordinator;

// Per-epoch accumulators and the status snapshot.
internal sealed partial class CoordinatorActor
{
    private readonly List<ClusterEpochReport> _history = [];
    private ClusterStepReport? _lastStep;
    private int _epochSteps;
    private long _epochBytes;
    private double _epochBytesPerWorker;
    private StepTimeSplit _epochTime = StepTimeSplit.Zero;
    private int _epochRedos;
    private int _reassignments;
    private int _reassignmentsBeforeEpoch;
    private long _lateAnswersIgnored;
    private long _lateAnswersBeforeEpoch;

    private void PublishStatus()
    {
        var members = _members.Values.OrderBy(m => m.JoinOrder).Select(m => m.ToStatus()).ToArray();
        _events.Publish(new ClusterStatus(_phase, Math.Min(_run.Epoch + 1, _run.Options.Epochs), _run.Options.Epochs, _run.GlobalStep,
            (long)_run.StepsPerEpoch * _run.Options.Epochs, _run.StepInEpoch, _run.StepsPerEpoch, members.Count(m => m.State == MemberState.Active),
            members, _history.ToArray(), _lastStep, _reassignments, _lateAnswersIgnored, _error));
    }
}
