using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Status;
using CoordinatorSnapshot = ClusterMnist.Cluster.Coordinator.ClusterStatus;
using ServerMember = ClusterMnist.Server.Status.MemberStatus;
using ServerStatus = ClusterMnist.Server.Status.ClusterStatus;

namespace ClusterMnist.Server.Hosting;

/// <summary>
/// Adapts the coordinator's own status snapshot (members, phase, epoch history, last step) to what
/// <c>/api/status</c> and <c>/metrics</c> read. Reads the latest immutable snapshot on each call, so it is
/// thread-safe and never stale by more than one coordinator message. The running totals (samples, data-plane bytes,
/// step time) are summed from the coordinator's step events, which carry each step's samples, bytes and time split.
/// A resumed run's epochs from before the restart come from its checkpoint: the coordinator reports only its own.
/// </summary>
internal sealed class CoordinatorStatusSource : IClusterStatusSource
{
    private readonly CoordinatorEvents _events;
    private readonly int _totalEpochs;
    private readonly int _stepsPerEpoch;
    // Replaced whole when a value becomes known after start (the bound HTTP address); readers take the reference.
    private IReadOnlyDictionary<string, string> _configuration;
    private readonly Func<CoordinatorSnapshot?, string?>? _stateOverride;
    private readonly EpochReport[] _restoredHistory;

    // Replaced whole on each step by the coordinator's loop (one writer); readers take the reference as it is.
    private TrainingTotals _totals = TrainingTotals.Zero;

    // The metrics last built and what they were built from; replaced whole (a racing reader at worst builds twice).
    private MetricsOf? _metrics;

    public CoordinatorStatusSource(
        CoordinatorEvents events, int totalEpochs, int stepsPerEpoch, IReadOnlyDictionary<string, string> configuration,
        IReadOnlyList<EpochReport>? restoredHistory = null, Func<CoordinatorSnapshot?, string?>? stateOverride = null)
    {
        _restoredHistory = restoredHistory?.ToArray() ?? [];
        _events = events;
        _totalEpochs = totalEpochs;
        _stepsPerEpoch = stepsPerEpoch;
        _configuration = configuration;
        _stateOverride = stateOverride;
        events.StepCompleted += OnStep;
    }

    /// <inheritdoc />
    public ServerStatus GetStatus()
    {
        var snapshot = _events.Status;
        var members = snapshot?.Members.Select(ToServer).ToArray() ?? [];
        var last = snapshot?.LastStep?.Report;
        var history = History(snapshot)
            .Select(e => new EpochPoint(e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.Seconds))
            .ToArray();
        var progress = new TrainingProgress(
            StateOf(snapshot), snapshot?.Epoch ?? 0, snapshot?.Epochs ?? _totalEpochs, snapshot?.Step ?? 0,
            snapshot?.StepInEpoch ?? 0, snapshot?.StepsPerEpoch ?? _stepsPerEpoch,
            last?.Loss ?? 0, last?.Accuracy ?? 0, last?.SamplesPerSecond ?? 0, history);
        return new ServerStatus(members, progress, Volatile.Read(ref _configuration));
    }

    /// <summary>Adds or replaces one configuration entry, e.g. the HTTP address once the listener is bound.</summary>
    public void ShowConfiguration(string key, string value)
    {
        var copy = new Dictionary<string, string>(Volatile.Read(ref _configuration), StringComparer.Ordinal) { [key] = value };
        Volatile.Write(ref _configuration, copy);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A scrape reads every instrument through this call, one after the other: while neither the coordinator's
    /// snapshot nor the totals change, they all get the same object, built once.
    /// </remarks>
    public ClusterMetrics GetMetrics()
    {
        var snapshot = _events.Status;
        var totals = Volatile.Read(ref _totals);
        var cached = Volatile.Read(ref _metrics);
        if (cached is not null && ReferenceEquals(cached.Snapshot, snapshot) && ReferenceEquals(cached.Totals, totals))
            return cached.Metrics;
        var last = snapshot?.LastStep;
        double? test = History(snapshot).LastOrDefault()?.TestAccuracy;
        var metrics = new ClusterMetrics(
            snapshot?.Step ?? 0, snapshot?.Epoch ?? 0, last?.Report.Loss ?? 0, last?.Report.Accuracy ?? 0, test,
            last?.Report.SamplesPerSecond ?? 0, snapshot?.LiveWorkers ?? 0, last?.WireBytes ?? 0)
        {
            Totals = totals with { Reassignments = snapshot?.Reassignments ?? 0 },
            MembersByState = snapshot is null
                ? new Dictionary<string, int>()
                : snapshot.Members.CountBy(m => m.ClusterState, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal),
        };
        Volatile.Write(ref _metrics, new MetricsOf(snapshot, totals, metrics));
        return metrics;
    }

    // The checkpoint's epochs, then the coordinator's own (an epoch in both is the coordinator's).
    private IEnumerable<EpochReport> History(CoordinatorSnapshot? snapshot)
    {
        var own = snapshot?.History.Select(e => e.Report) ?? [];
        return _restoredHistory.Where(r => !own.Any(o => o.Epoch == r.Epoch)).Concat(own);
    }

    private void OnStep(ClusterStepReport step)
    {
        var cost = new StepCost(step.Samples, step.WireBytes, step.Time);
        Volatile.Write(ref _totals, _totals.Add(cost));
    }

    /// <summary>The web page's and scripts' words for the coordinator's phase.</summary>
    internal static string StateName(CoordinatorPhase phase) => phase switch
    {
        CoordinatorPhase.WaitingForWorkers => "waiting",
        CoordinatorPhase.Training => "training",
        CoordinatorPhase.Completed => "finished",
        CoordinatorPhase.Failed => "failed",
        _ => phase.ToString().ToLowerInvariant(),
    };

    private string StateOf(CoordinatorSnapshot? snapshot) =>
        _stateOverride?.Invoke(snapshot) ?? (snapshot is null ? "waiting" : StateName(snapshot.Phase));

    private static ServerMember ToServer(Cluster.Coordinator.MemberStatus member) => new(
        member.Id, member.Address, member.ClusterState, member.LastSeen, member.ShardsDone, member.SamplesPerSecond, member.Role, member.Reason);

    private sealed record MetricsOf(CoordinatorSnapshot? Snapshot, TrainingTotals Totals, ClusterMetrics Metrics);
}
