using Akka.Event;
using Akka.Actor;
using Akka.Cluster;
using Akka.Remote;
using ClusterMnist.Cluster.Coordinator;
using static Akka.Cluster.ClusterEvent;
using AkkaMember = Akka.Cluster.Member;
using ClusterMemberStatus = Akka.Cluster.MemberStatus;

namespace ClusterMnist.Cluster.Actors;

// The Akka cluster around the coordinator: node states for the status page, and the first sign that a worker's node
// is in trouble (its connection dropped, or the failure detector stopped hearing it), on which its shards move at once.
// A node that stays unreachable for the split brain resolver's stable-after is downed, by the coordinator itself
// (the resolver acts only on the cluster's leader, which may be a worker that is leaving), while one that was only
// starved of CPU for a moment (a loaded machine, a long collection) becomes reachable again and is taken back. A node
// that is downed or removed is gone.
internal sealed partial class CoordinatorActor
{
    private readonly Dictionary<Address, ClusterNode> _nodes = [];
    private Akka.Cluster.Cluster? _cluster;
    private TimeSpan _downUnreachableAfter;

    /// <summary>One node of the cluster as the coordinator last saw it.</summary>
    private sealed record ClusterNode(Address Address, ClusterMemberStatus Status, bool Reachable, IReadOnlyCollection<string> Roles);

    private void WatchClusterMembership()
    {
        // In one process (train) there is no cluster: workers are local actors, watched like any other.
        if (Context.System is not ExtendedActorSystem { Provider: IClusterActorRefProvider })
            return;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        _downUnreachableAfter = Context.System.Settings.Config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after", TimeSpan.FromSeconds(20));
        _cluster.Subscribe(Self, SubscriptionInitialStateMode.InitialStateAsEvents, typeof(IMemberEvent), typeof(IReachabilityEvent));
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
    }

    private void UnwatchClusterMembership()
    {
        _cluster?.Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
    }

    /// <summary>Handles a cluster or remoting event; false when the message is neither.</summary>
    private bool OnClusterEvent(object message)
    {
        switch (message)
        {
            case MemberRemoved removed:
                _nodes[removed.Member.Address] = Node(removed.Member, reachable: false) with { Status = ClusterMemberStatus.Removed };
                CloseStreamsOfRemovedNode(removed.Member.Address);
                NodeLost(removed.Member.Address, removed.PreviousStatus == ClusterMemberStatus.Exiting ? MemberState.Left : MemberState.Dead,
                    removed.PreviousStatus == ClusterMemberStatus.Exiting ? "left the cluster" : "removed from the cluster");
                break;
            case IMemberEvent changed:
                bool reachable = !_nodes.TryGetValue(changed.Member.Address, out var known) || known.Reachable;
                _nodes[changed.Member.Address] = Node(changed.Member, reachable);
                if (changed is MemberDowned)
                    NodeLost(changed.Member.Address, MemberState.Dead, "downed");
                break;
            case UnreachableMember unreachable:
                _nodes[unreachable.Member.Address] = Node(unreachable.Member, reachable: false);
                NodeUnreachable(unreachable.Member.Address, "no cluster heartbeats");
                break;
            case ReachableMember reachableAgain:
                _nodes[reachableAgain.Member.Address] = Node(reachableAgain.Member, reachable: true);
                NodeReachable(reachableAgain.Member.Address);
                break;
            case DisassociatedEvent disassociated:
                NodeUnreachable(disassociated.RemoteAddress, "its connection was lost");
                break;
            default:
                return false;
        }
        PublishStatus();
        return true;
    }

    private static ClusterNode Node(AkkaMember member, bool reachable) => new(member.Address, member.Status, reachable, member.Roles.ToArray());

    // The first sign moves the shards; the later ones find the worker suspended already.
    private void NodeUnreachable(Address address, string reason)
    {
        if (_finished)
            return;
        var suspended = _members.Values.Where(m => m.IsLive && m.Address.Equals(address)).ToList();
        foreach (var member in suspended)
            Suspend(member, reason);
        if (suspended.Count > 0 && _cluster is not null)
            Timers.StartSingleTimer(DownKey(address), new DownIfStillUnreachable(address), _downUnreachableAfter);
    }

    // Also after the run: a worker frozen at its end must not come back as it was.
    private void OnDownIfStillUnreachable(DownIfStillUnreachable check)
    {
        bool suspended = _members.Values.Any(m => m.State == MemberState.Unreachable && m.Address.Equals(check.Address));
        if (suspended)
            DownNode(check.Address, $"unreachable for {_downUnreachableAfter.TotalSeconds:F1} s");
    }

    private static string DownKey(Address address) => "down " + address;

    private void NodeReachable(Address address)
    {
        Timers.Cancel(DownKey(address));
        if (_finished)
            return;
        foreach (var member in _members.Values.Where(m => m.State == MemberState.Unreachable && m.Address.Equals(address)).ToList())
            Readmit(member);
    }

    // Gone for good: downed, removed, or it left (also after the run, so that the status never shows it as up).
    private void NodeLost(Address address, MemberState state, string reason)
    {
        foreach (var member in _members.Values.Where(m => m.IsPresent && m.Address.Equals(address)).ToList())
        {
            // A node that left on purpose (it finished, or was stopped and drained) is news, not trouble.
            if (state == MemberState.Left)
                _log.Info("Worker {0} is gone ({1}); declaring it left", member.Id, reason);
            else
                _log.Warning("Worker {0} is gone ({1}); declaring it dead", member.Id, reason);
            MarkGone(member, state, reason);
        }
    }

    private void DownNode(Address address, string reason)
    {
        if (_cluster is null || address.Equals(_cluster.SelfAddress))
            return;
        if (_nodes.TryGetValue(address, out var node) && node.Status is ClusterMemberStatus.Down or ClusterMemberStatus.Removed)
            return;
        // Without waiting for the split brain resolver's stable-after: the shards have moved, and the node must restart
        // to take part again (a downed node shuts its cluster down; the worker process then exits non-zero).
        _log.Info("Downing {0}: {1}", address, reason);
        _cluster.Down(address);
    }

    /// <summary>The cluster's word for a node: joining, up, leaving, unreachable, down or removed.</summary>
    private string ClusterStateOf(Address address)
    {
        if (!_nodes.TryGetValue(address, out var node))
            return "removed";
        if (!node.Reachable && node.Status is not (ClusterMemberStatus.Removed or ClusterMemberStatus.Down))
            return "unreachable";
        return NodeStateName(node.Status);
    }

    private static string NodeStateName(ClusterMemberStatus status) => status switch
    {
        ClusterMemberStatus.Joining or ClusterMemberStatus.WeaklyUp => "joining",
        ClusterMemberStatus.Up => "up",
        ClusterMemberStatus.Leaving or ClusterMemberStatus.Exiting => "leaving",
        ClusterMemberStatus.Down => "down",
        _ => "removed",
    };

    /// <summary>Timer: a node suspended as unreachable is downed if it still is.</summary>
    private sealed record DownIfStillUnreachable(Address Address) : INoSerializationVerificationNeeded;
}
