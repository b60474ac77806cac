using Akka.Event;
using Akka.Actor;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.Actors;

// Joining, getting ready, leaving, dying: who takes part in the run.
internal sealed partial class CoordinatorActor
{
    private void OnJoin(JoinRequest join)
    {
        var sender = Sender;
        if (join.Cores <= 0)
        {
            sender.Tell(new JoinRefused($"a worker needs at least one core, not {join.Cores}."));
            return;
        }
        if (_members.TryGetValue(join.WorkerId, out var member) && member.IsPresent)
        {
            if (member.Actor.Equals(sender))
            {
                // A repeated request (the answer crossed it): answer the same again, nothing changes.
                member.LastSeen = Now;
                sender.Tell(member.Accepted!);
                return;
            }
            // Told why before its stream is gone: otherwise all it sees is its data plane stream closing. The stream
            // stays open until its node is removed (downed below, as a dead member), so the notice, which goes ahead
            // of the downing on the same connection, arrives before the stream ends.
            member.Actor.Tell(new JoinRefused($"worker id '{join.WorkerId}' was taken by a newer worker that joined from {sender.Path.Address}"));
            KeepStreamUntilNodeRemoved(member);
            MarkGone(member, MemberState.Dead, "replaced by a new incarnation with the same worker id");
        }
        if (member is not null)
            ReleaseDataPlane(member);
        // The status shows one row per worker id: a new incarnation's row keeps counting the work done under that id.
        var joined = new Member(join.WorkerId, sender, join.Cores, _nextJoinOrder++)
        {
            LastSeen = Now,
            ShardsDone = member?.ShardsDone ?? 0,
            SamplesDone = member?.SamplesDone ?? 0,
            ComputeSeconds = member?.ComputeSeconds ?? 0,
        };
        if (joined.IsRemote && _dataPlane is null)
        {
            Refuse(joined, "this coordinator has no data plane for workers on other nodes.");
            return;
        }
        _members[join.WorkerId] = joined;
        Context.Watch(sender);
        joined.Accepted = Accepted(joined, join);
        sender.Tell(joined.Accepted);
        _log.Info("Worker {0} joined from {1} with {2} core(s); loading {3}", join.WorkerId, joined.Address, join.Cores,
            joined.Accepted.Dataset.Length > 0 ? "data set " + joined.Accepted.Dataset : "its data");
        PublishStatus();
    }

    private JoinAccepted Accepted(Member member, JoinRequest join)
    {
        DataPlaneOffer? offer = null;
        if (member.IsRemote)
        {
            if (join.SharedMemory && _settings.SharedMemory)
                member.OfferedSums = CreateSharedSums(member.Id);
            var files = member.OfferedSums is { } sums && _sharedParameters is { } parameters
                ? new DataPlane.SharedMemoryOffer(parameters.Path, parameters.NonceHex, sums.Path, sums.NonceHex)
                : null;
            offer = new DataPlaneOffer(files, _dataPlane!.Authorize(member.Id, Self));
        }
        var data = _run.Data.Train;
        return new JoinAccepted(_settings.Name, _settings.Dataset, data.Fingerprint, _run.Options.Model.ToString(), _run.Options.BatchSize,
            _run.Options.MicroShardSize, _run.Options.Seed, offer);
    }

    private void OnReady(WorkerReady ready)
    {
        if (!_members.TryGetValue(ready.WorkerId, out var member) || member.State != MemberState.Joining || !member.Actor.Equals(Sender))
            return;
        member.LastSeen = Now;
        string fingerprint = _run.Data.Train.Fingerprint;
        if (!string.Equals(ready.DataFingerprint, fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            Refuse(member, $"its training set fingerprint {Short(ready.DataFingerprint)} differs from the coordinator's {Short(fingerprint)} " +
                $"('{_run.Data.Train.Source}', {_run.Data.Train.Count} images); both must load the same data set.");
            return;
        }
        switch (ready.Route)
        {
            case TensorRoute.SharedMemory when member.OfferedSums is { } offered:
                // Mapped: the name is no longer needed, the file lives as long as the mappings.
                offered.Unlink();
                member.SharedSums = offered;
                member.OfferedSums = null;
                _log.Info("Worker {0} is on this host: parameters and sums go through shared memory", member.Id);
                break;
            case TensorRoute.Stream when member.IsRemote:
                DeclineSharedMemory(member, ready.Detail);
                _log.Info("Worker {0} exchanges tensors over its data plane stream ({1})", member.Id, ready.Detail);
                break;
            case TensorRoute.Inline when !member.IsRemote:
                break;
            default:
                Refuse(member, $"it asked for tensors on the {ready.Route} route, which this coordinator did not offer it.");
                return;
        }
        if (member.IsRemote && member.Stream is null)
        {
            // Every step's messages go on its stream, whose connection the data plane is still handing over; it
            // becomes active then.
            member.ReadyAwaitingStream = ready;
            return;
        }
        Activate(member, ready.Route);
    }

    private void Activate(Member member, TensorRoute route)
    {
        member.Route = route;
        member.State = MemberState.Active;
        member.ReadyAwaitingStream = null;
        int live = LiveMembers.Count();
        _log.Info("Worker {0} is ready; {1} live", member.Id, live);
        member.Actor.Tell(new WorkerAdmitted(live));
        OnMembersAdded();
        PublishStatus();
    }

    private void Refuse(Member member, string reason)
    {
        _log.Warning("Refused worker {0} at {1}: {2}", member.Id, member.Address, reason);
        member.Actor.Tell(new JoinRefused(reason));
        _members[member.Id] = member;
        MarkGone(member, MemberState.Refused, reason);
    }

    // A worker that has its stream says goodbye there, after its last answer (OnStreamReceived); before it has one,
    // or in one process, in a message.
    private void OnGoodbye(Goodbye bye)
    {
        if (_members.TryGetValue(bye.WorkerId, out var member) && member.IsPresent && member.Actor.Equals(Sender))
            Leave(member, bye.Reason);
    }

    private void Leave(Member member, string reason)
    {
        _log.Info("Worker {0} left: {1}", member.Id, reason);
        MarkGone(member, MemberState.Left, reason);
    }

    private void OnTerminated(Terminated terminated)
    {
        var member = _members.Values.FirstOrDefault(m => m.IsPresent && m.Actor.Equals(terminated.ActorRef));
        if (member is not null)
        {
            string reason = terminated.AddressTerminated ? "its node left the cluster" : "its actor stopped";
            _log.Warning("Worker {0} is gone ({1}); declaring it dead", member.Id, reason);
            MarkGone(member, MemberState.Dead, reason);
        }
    }

    private void OnCheckDeadlines()
    {
        var now = Now;
        foreach (var overdue in _assignments.Values.Where(a => now - a.SentAt > _settings.AssignmentTimeout).ToList())
        {
            if (_members.TryGetValue(overdue.WorkerId, out var member) && member.IsLive)
            {
                _log.Warning("Worker {0} has not answered assignment {1} within {2:F1} s; declaring it dead",
                    member.Id, overdue.Id, _settings.AssignmentTimeout.TotalSeconds);
                MarkGone(member, MemberState.Dead, $"no answer to assignment {overdue.Id} within {_settings.AssignmentTimeout.TotalSeconds:F1} s");
            }
        }
    }

    /// <summary>
    /// Takes a member's shards away without giving up on it: its node is unreachable (or its connection dropped) for
    /// now. Its data plane stays, so that it can be taken back; whatever it still answers is for assignments that are
    /// no longer current, and is ignored.
    /// </summary>
    private void Suspend(Member member, string reason)
    {
        _log.Warning("Worker {0} is unreachable ({1}); its shards go to the others until it is back or downed", member.Id, reason);
        member.State = MemberState.Unreachable;
        member.Reason = $"unreachable: {reason}";
        ReassignShardsOf(member.Id);
        PublishStatus();
    }

    /// <summary>A suspended member's node is reachable again: it takes shards again, from fresh parameters.</summary>
    private void Readmit(Member member)
    {
        member.State = MemberState.Active;
        member.Reason = null;
        member.ParameterVersionSent = -1;
        member.LastSeen = Now;
        _log.Info("Worker {0} is reachable again; re-admitted, {1} live", member.Id, LiveMembers.Count());
        OnMembersAdded();
        PublishStatus();
    }

    /// <summary>
    /// Takes a member out, hands its outstanding shards to the others (or parks them until one joins), gives up its
    /// data plane and, for a dead worker on another node, downs that node: it must not come back as it was (a thawed
    /// process would compute from parameters the run has left behind); its supervisor restarts it as a new incarnation.
    /// </summary>
    private void MarkGone(Member member, MemberState state, string reason)
    {
        member.State = state;
        member.Reason = reason;
        Context.Unwatch(member.Actor);
        ReassignShardsOf(member.Id);
        ReleaseDataPlane(member);
        if (state == MemberState.Dead && member.IsRemote)
            DownNode(member.Address, reason);
        PublishStatus();
    }

    private static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] + "…" : fingerprint;
}
