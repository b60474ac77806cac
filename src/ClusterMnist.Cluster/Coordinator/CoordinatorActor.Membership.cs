using ClusterMnist.Actors;
using ClusterMnist.Cluster.Protocol;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Coordinator;

// Joining, leaving, dying: who is in the cluster.
internal sealed partial class CoordinatorActor
{
    private void OnJoin(JoinRequest join)
    {
        var sender = Sender;
        if (sender is null)
        {
            Log.LogWarning("Join request of {WorkerId} has no sender to answer; ignored", join.WorkerId);
            return;
        }
        string fingerprint = _run.Data.Train.Fingerprint;
        if (!string.Equals(join.DataFingerprint, fingerprint, StringComparison.OrdinalIgnoreCase))
        {
            string reason = $"its training set fingerprint {Short(join.DataFingerprint)} differs from the coordinator's {Short(fingerprint)} " +
                $"('{_run.Data.Train.Source}', {_run.Data.Train.Count} images); both must load the same data set.";
            Log.LogWarning("Refused worker {WorkerId} at {Address}: {Reason}", join.WorkerId, sender, reason);
            if (!_members.TryGetValue(join.WorkerId, out var existing) || !existing.IsLive)
            {
                if (existing is not null)
                    ReleaseSharedMemory(existing);
                _members[join.WorkerId] = new Member(join.WorkerId, sender, Math.Max(1, join.Cores), _nextJoinOrder++)
                {
                    State = MemberState.Refused, Reason = reason, LastSeen = Time.GetUtcNow(),
                };
            }
            TryTell(sender, new JoinRefused(reason), out _);
            PublishStatus();
            return;
        }
        if (join.Cores <= 0)
        {
            TryTell(sender, new JoinRefused($"a worker needs at least one core, not {join.Cores}."), out _);
            return;
        }
        if (_members.TryGetValue(join.WorkerId, out var member) && member.IsLive)
        {
            if (SameActor(member.Actor, sender))
            {
                // A repeated request (the answer crossed it): answer again, nothing changes.
                Touch(member);
                TryTell(sender, Accepted(member), out _);
                return;
            }
            MarkGone(member, MemberState.Dead, "replaced by a new connection with the same worker id");
        }
        // A member that is replaced (dead, left, refused or silent) gives up its files.
        if (member is not null)
            ReleaseSharedMemory(member);
        var joined = new Member(join.WorkerId, sender, join.Cores, _nextJoinOrder++);
        Touch(joined);
        _members[join.WorkerId] = joined;
        TryWatch(sender);
        if (join.SharedMemory && _settings.SharedMemory)
            joined.OfferedSums = CreateSharedSums(joined.Id);
        TryTell(sender, Accepted(joined), out _);
        Log.LogInformation("Worker {WorkerId} joined from {Address} with {Cores} core(s); {Live} live", join.WorkerId, sender, join.Cores, LiveMembers.Count());
        OnMembersAdded();
        PublishStatus();
    }

    private JoinAccepted Accepted(Member member)
    {
        var sums = member.OfferedSums ?? member.SharedSums;
        var offer = sums is not null && _sharedParameters is { } parameters
            ? new SharedMemoryOffer(parameters.Path, parameters.NonceHex, sums.Path, sums.NonceHex)
            : null;
        return new(_settings.Name, _run.Options.Model.ToString(), _run.Options.BatchSize, _run.Options.MicroShardSize, _run.Options.Seed, offer);
    }

    // The files a worker on this host can map; null (and the WebSocket for its tensors) when they cannot be made here.
    private SharedSums? CreateSharedSums(string workerId)
    {
        try
        {
            _sharedParameters ??= SharedParameters.Create(_run.Parameters.Length);
            return SharedSums.Create(_run.Parameters.Length);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only a faster path is lost: the worker is accepted all the same.
            Log.LogWarning("Cannot create shared memory files for {WorkerId} ({Message}); its tensors go over the WebSocket", workerId, e.Message);
            return null;
        }
    }

    private void OnSharedMemoryReady(SharedMemoryReady ready)
    {
        if (!_members.TryGetValue(ready.WorkerId, out var member) || !member.IsLive || member.OfferedSums is not { } offered
            || Sender is not { } sender || !SameActor(member.Actor, sender))
            return;
        member.OfferedSums = null;
        // Mapped or declined, the name is no longer needed: the file lives as long as the mappings.
        offered.Unlink();
        if (ready.Attached)
        {
            member.SharedSums = offered;
            Log.LogInformation("Worker {WorkerId} is on this host: parameters and sums go through shared memory", member.Id);
        }
        else
        {
            offered.Retire();
            Log.LogInformation("Worker {WorkerId} did not map the shared memory files ({Detail}); its tensors go over the WebSocket", member.Id, ready.Detail);
        }
    }

    // A member that is gone no longer writes to its sums file; it is unmapped once no answer in it is being read.
    private static void ReleaseSharedMemory(Member member)
    {
        if (member.OfferedSums is { } offered)
        {
            offered.Unlink();
            offered.Retire();
        }
        member.SharedSums?.Retire();
        member.OfferedSums = null;
        member.SharedSums = null;
    }

    private void OnGoodbye(Goodbye bye)
    {
        if (_members.TryGetValue(bye.WorkerId, out var member) && member.IsLive)
        {
            Log.LogInformation("Worker {WorkerId} left: {Reason}", bye.WorkerId, bye.Reason);
            MarkGone(member, MemberState.Left, bye.Reason);
        }
    }

    private void OnTerminated(Terminated terminated)
    {
        var member = _members.Values.FirstOrDefault(m => m.IsLive && SameActor(m.Actor, terminated.Actor));
        if (member is not null)
        {
            Log.LogWarning("Worker {WorkerId} is gone ({Reason}); declaring it dead", member.Id, terminated.Reason);
            MarkGone(member, MemberState.Dead, terminated.Reason);
        }
    }

    private void CheckDeadlines()
    {
        long now = Time.GetTimestamp();
        foreach (var member in LiveMembers.ToList())
        {
            var silent = Time.GetElapsedTime(member.LastSeenTimestamp, now);
            if (silent > _settings.WorkerTimeout)
            {
                Log.LogWarning("Worker {WorkerId} has been silent for {Seconds:F1} s (timeout {Timeout:F1} s); declaring it dead",
                    member.Id, silent.TotalSeconds, _settings.WorkerTimeout.TotalSeconds);
                member.DeclaredSilent = true;
                MarkGone(member, MemberState.Dead, $"no heartbeat for {silent.TotalSeconds:F1} s");
            }
        }
        foreach (var overdue in _assignments.Values.Where(a => Time.GetElapsedTime(a.SentTimestamp, now) > _settings.AssignmentTimeout).ToList())
        {
            if (_members.TryGetValue(overdue.WorkerId, out var member) && member.IsLive)
            {
                Log.LogWarning("Worker {WorkerId} has not answered assignment {AssignmentId} within {Timeout:F1} s; declaring it dead",
                    member.Id, overdue.Id, _settings.AssignmentTimeout.TotalSeconds);
                MarkGone(member, MemberState.Dead, $"no answer to assignment {overdue.Id} within {_settings.AssignmentTimeout.TotalSeconds:F1} s");
            }
        }
    }

    private void OnHeartbeat(Heartbeat beat)
    {
        if (!_members.TryGetValue(beat.WorkerId, out var member))
            return;
        if (member.IsLive)
            Touch(member);
        else if (member.DeclaredSilent && Sender is { } sender && SameActor(member.Actor, sender))
            Readmit(member);
    }

    /// <summary>
    /// A worker declared dead for silence whose connection survived (a long pause: GC, a frozen VM, SIGSTOP) speaks
    /// again. It still believes it is a member, so unless it is taken back it would idle to the end of the run and
    /// never hear that the run finished. Its stale answers stay ignored; it gets fresh parameters with its next shards.
    /// </summary>
    private void Readmit(Member member)
    {
        var silent = Time.GetElapsedTime(member.LastSeenTimestamp);
        member.State = MemberState.Active;
        member.Reason = null;
        member.DeclaredSilent = false;
        member.ParameterVersionSent = -1;
        Touch(member);
        TryWatch(member.Actor);
        Log.LogInformation("Worker {WorkerId} is back after {Seconds:F1} s of silence; re-admitted, {Live} live",
            member.Id, silent.TotalSeconds, LiveMembers.Count());
        OnMembersAdded();
        PublishStatus();
    }

    /// <summary>Takes a member out and hands its outstanding shards to the others (or parks them until one joins).</summary>
    private void MarkGone(Member member, MemberState state, string reason)
    {
        member.State = state;
        member.Reason = reason;
        try
        {
            Context.Unwatch(member.Actor);
        }
        catch (ArgumentException)
        {
            // Not watchable; nothing to undo.
        }
        ReassignShardsOf(member.Id);
        // A worker declared dead for silence alone may come back on the same connection (Readmit) and then uses its
        // files again; its outstanding slots were given back above, and since it computes its assignments one after
        // another, a stale answer it still writes lands before the answer to any slot it is given later.
        if (!member.DeclaredSilent)
            ReleaseSharedMemory(member);
        PublishStatus();
    }

    private void Touch(string workerId)
    {
        if (_members.TryGetValue(workerId, out var member) && member.IsLive)
            Touch(member);
    }

    private void Touch(Member member)
    {
        member.LastSeenTimestamp = Time.GetTimestamp();
        member.LastSeen = Time.GetUtcNow();
    }

    private void TryWatch(IActorRef actor)
    {
        try
        {
            Context.Watch(actor);
        }
        catch (ArgumentException e)
        {
            Log.LogWarning("Cannot watch {Actor} ({Message}); relying on heartbeats", actor, e.Message);
        }
    }

    /// <summary>
    /// Tells without throwing: a closed remote connection or a full mailbox is a worker problem (it will be declared
    /// gone by death watch or silence), never a reason to fail the run.
    /// </summary>
    private bool TryTell(IActorRef target, object message, out string? error)
    {
        try
        {
            target.Tell(message, Self);
            error = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not ArgumentException)
        {
            error = e.Message;
            Log.LogDebug("Could not tell {MessageType} to {Target}: {Message}", message.GetType().Name, target, e.Message);
            return false;
        }
    }

    // Remote references are equal only through the same connection: a worker that reconnected is a new member.
    private static bool SameActor(IActorRef a, IActorRef b) => ReferenceEquals(a, b) || a.Equals(b);

    private static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] + "…" : fingerprint;
}
