using ClusterMnist.Core.Training;

namespace ClusterMnist.Server.Status;

/// <summary>
/// A status source kept in memory and fed by calls (from <see cref="LocalTrainer"/> events, or by hand in tests).
/// Every method is thread-safe; readers get immutable copies.
/// </summary>
public sealed class InMemoryClusterStatus : IClusterStatusSource
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, MemberStatus> _members = new(StringComparer.Ordinal);
    private readonly List<EpochPoint> _history = [];
    private Dictionary<string, string> _configuration = new(StringComparer.Ordinal);
    private string _state = "waiting";
    private StepReport? _lastStep;
    private int _totalEpochs;
    private long _bytesPerStep;
    private TrainingTotals _totals = TrainingTotals.Zero;

    /// <summary>Sets the settings shown as "configuration in force".</summary>
    public void SetConfiguration(IEnumerable<KeyValuePair<string, string>> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var copy = new Dictionary<string, string>(settings, StringComparer.Ordinal);
        lock (_lock)
        {
            _configuration = copy;
        }
    }

    /// <summary>Sets the run's length and its state (e.g. <c>training</c>).</summary>
    public void SetRun(string state, int totalEpochs)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        lock (_lock)
        {
            _state = state;
            _totalEpochs = totalEpochs;
        }
    }

    /// <summary>Sets the run's state, e.g. <c>finished</c> or <c>failed</c>.</summary>
    public void SetState(string state)
    {
        ArgumentException.ThrowIfNullOrEmpty(state);
        lock (_lock)
        {
            _state = state;
        }
    }

    /// <summary>Adds or replaces a member (matched by id).</summary>
    public void UpsertMember(MemberStatus member)
    {
        ArgumentNullException.ThrowIfNull(member);
        lock (_lock)
        {
            _members[member.Id] = member;
        }
    }

    /// <summary>Removes a member; false when it was not there.</summary>
    public bool RemoveMember(string id)
    {
        lock (_lock)
        {
            return _members.Remove(id);
        }
    }

    /// <summary>Records the traffic of one step (exported as <c>clustermnist_bytes_per_step</c>).</summary>
    public void SetBytesPerStep(long bytes)
    {
        lock (_lock)
        {
            _bytesPerStep = bytes;
        }
    }

    /// <summary>Records one optimizer step (counted in the totals, with no samples, bytes or time).</summary>
    public void RecordStep(StepReport step) => RecordStep(step, StepCost.None);

    /// <summary>Records one optimizer step and what it cost.</summary>
    public void RecordStep(StepReport step, StepCost cost)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(cost);
        lock (_lock)
        {
            _lastStep = step;
            _totals = _totals.Add(cost);
        }
    }

    /// <summary>Sets how many assignments have been reassigned so far (a running total).</summary>
    public void SetReassignments(long total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        lock (_lock)
        {
            _totals = _totals with { Reassignments = total };
        }
    }

    /// <summary>Records one finished epoch.</summary>
    public void RecordEpoch(EpochReport epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var point = new EpochPoint(epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy, epoch.TestLoss, epoch.TestAccuracy, epoch.Seconds);
        lock (_lock)
        {
            _history.RemoveAll(p => p.Epoch == point.Epoch);
            _history.Add(point);
        }
    }

    /// <inheritdoc />
    public ClusterStatus GetStatus()
    {
        lock (_lock)
        {
            var step = _lastStep;
            var members = _members.Values.OrderBy(m => m.Id, StringComparer.Ordinal).ToArray();
            var progress = new TrainingProgress(
                _state, step?.Epoch ?? 0, _totalEpochs, step?.Step ?? 0, step?.StepInEpoch ?? 0, step?.StepsPerEpoch ?? 0,
                step?.Loss ?? 0, step?.Accuracy ?? 0, step?.SamplesPerSecond ?? 0, _history.ToArray());
            return new ClusterStatus(members, progress, new Dictionary<string, string>(_configuration, StringComparer.Ordinal));
        }
    }

    /// <inheritdoc />
    public ClusterMetrics GetMetrics()
    {
        lock (_lock)
        {
            var step = _lastStep;
            int live = _members.Values.Count(m => m.State is "training" or "idle" or "joining");
            double? test = _history.Count == 0 ? null : _history[^1].TestAccuracy;
            return new ClusterMetrics(
                step?.Step ?? 0, step?.Epoch ?? 0, step?.Loss ?? 0, step?.Accuracy ?? 0, test, step?.SamplesPerSecond ?? 0, live, _bytesPerStep)
            {
                Totals = _totals,
                MembersByState = _members.Values.CountBy(m => m.State, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal),
            };
        }
    }
}
