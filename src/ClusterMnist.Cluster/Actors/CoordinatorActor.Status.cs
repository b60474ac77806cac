using Akka.Event;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Messages;
using ClusterMemberStatus = Akka.Cluster.MemberStatus;

namespace ClusterMnist.Cluster.Actors;

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
        var workers = _members.Values.OrderBy(m => m.JoinOrder).Select(ToStatus).ToList();
        // Nodes of the cluster that host no worker (yet): the coordinator's own, and workers still starting. A removed
        // node that hosts none is gone for good (a worker's earlier incarnation, one that came after the run): not shown.
        var unlisted = _nodes.Values.Where(n => n.Status != ClusterMemberStatus.Removed && !_members.Values.Any(m => m.Address.Equals(n.Address)));
        foreach (var node in unlisted.OrderBy(n => n.Address.ToString()))
        {
            string role = node.Roles.Contains(ClusterRoles.Coordinator) ? ClusterRoles.Coordinator : node.Roles.FirstOrDefault() ?? "";
            workers.Add(new MemberStatus($"{node.Address.Host}:{node.Address.Port}", node.Address.ToString(), role, 0, MemberState.Joining,
                ClusterStateOf(node.Address), null, 0, 0, null));
        }
        // Epoch 0 until a new run's first step starts (what the status page and the epoch gauge say before training).
        int epoch = _run.GlobalStep == 0 && !_stepActive ? 0 : Math.Min(_run.Epoch + 1, _run.Options.Epochs);
        _events.Publish(new ClusterStatus(_phase, epoch, _run.Options.Epochs, _run.GlobalStep,
            (long)_run.StepsPerEpoch * _run.Options.Epochs, _run.StepInEpoch, _run.StepsPerEpoch, LiveMembers.Count(),
            workers, _history.ToArray(), _lastStep, _reassignments, _lateAnswersIgnored, _error));
    }

    private MemberStatus ToStatus(Member member) => new(member.Id, member.Address.ToString(), ClusterRoles.Worker, member.Cores, member.State,
        MemberStateName(member), member.LastSeen, member.ShardsDone, member.ComputeSeconds > 0 ? member.SamplesDone / member.ComputeSeconds : 0,
        member.Reason);

    // What a status page shows: the cluster's state of the worker's node where there is a cluster, so that a worker
    // that has left shows as leaving or removed, never as training; refused workers say so.
    private string MemberStateName(Member member)
    {
        if (member.State == MemberState.Refused)
            return "refused";
        if (member.IsRemote && _cluster is not null)
        {
            string node = ClusterStateOf(member.Address);
            // The coordinator may know before the cluster does: a dead member's node is being downed, a suspended one's
            // connection dropped although the failure detector still hears it.
            return (member.State, node) switch
            {
                (MemberState.Dead, "up") => "down",
                (MemberState.Unreachable, "up") => "unreachable",
                _ => node,
            };
        }
        return member.State switch
        {
            MemberState.Joining => "joining",
            MemberState.Active => "up",
            MemberState.Unreachable => "unreachable",
            _ => "removed",
        };
    }
}
