using Akka.Actor;
using Akka.Event;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.Actors;

// Where the tensors of each worker travel: shared memory files for workers on this host, the worker's stream for the
// others. The actor decides (offers, tickets, which frames are current); the bytes never pass through its mailbox
// except as references to pooled buffers.
internal sealed partial class CoordinatorActor
{
    // The files a worker on this host can map; null (and the stream for its tensors) when they cannot be made here.
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
            _log.Warning("Cannot create shared memory files for {0} ({1}); its tensors go over its stream", workerId, e.Message);
            return null;
        }
    }

    private void DeclineSharedMemory(Member member, string detail)
    {
        if (member.OfferedSums is not { } offered)
            return;
        offered.Unlink();
        offered.Retire();
        member.OfferedSums = null;
        _log.Info("Worker {0} did not map the shared memory files ({1})", member.Id, detail);
    }

    private void OnStreamConnected(StreamConnected connected)
    {
        if (!_members.TryGetValue(connected.WorkerId, out var member) || member.State != MemberState.Joining || member.Stream is not null)
        {
            connected.Stream.Close("no worker of that id is joining");
            return;
        }
        member.Stream = connected.Stream;
        if (member.ReadyAwaitingStream is { } ready)
        {
            _log.Info("Worker {0} opened its data plane stream ({1})", member.Id, ready.Detail);
            Activate(member, ready.Route);
        }
    }

    // The member whose current stream this is; null for a stream it no longer has (replaced, released).
    private Member? MemberOf(IWorkerStream stream) =>
        _members.TryGetValue(stream.WorkerId, out var member) && ReferenceEquals(member.Stream, stream) ? member : null;

    private void OnStreamClosed(StreamClosed closed)
    {
        var member = MemberOf(closed.Stream);
        if (member is { IsPresent: true })
        {
            _log.Warning("Worker {0} lost its data plane stream ({1}); declaring it dead", member.Id, closed.Reason);
            MarkGone(member, MemberState.Dead, $"data plane stream closed: {closed.Reason}");
        }
    }

    // Streams of replaced workers, by node: revoked, no longer anyone's, and closed once their node is removed (or
    // when this actor stops), so that closing them cannot overtake the notice that told their worker why.
    private readonly Dictionary<Address, List<IWorkerStream>> _streamsUntilNodeRemoved = [];

    private void KeepStreamUntilNodeRemoved(Member member)
    {
        if (member.Stream is not { } stream || !member.IsRemote || _cluster is null)
            return;
        member.Stream = null;
        if (!_streamsUntilNodeRemoved.TryGetValue(member.Address, out var streams))
            _streamsUntilNodeRemoved[member.Address] = streams = [];
        streams.Add(stream);
    }

    private void CloseStreamsOfRemovedNode(Address address)
    {
        if (_streamsUntilNodeRemoved.Remove(address, out var streams))
        {
            foreach (var stream in streams)
                stream.Close("replaced by a new incarnation with the same worker id");
        }
    }

    private void CloseStreamsOfReplacedWorkers()
    {
        foreach (var address in _streamsUntilNodeRemoved.Keys.ToList())
            CloseStreamsOfRemovedNode(address);
    }

    // A member that is gone no longer writes to its sums file (unmapped once no answer in it is being read), its
    // stream is closed and its ticket revoked.
    private void ReleaseDataPlane(Member member)
    {
        if (member.OfferedSums is { } offered)
        {
            offered.Unlink();
            offered.Retire();
        }
        member.SharedSums?.Retire();
        member.OfferedSums = null;
        member.SharedSums = null;
        if (member.IsRemote)
            _dataPlane?.Revoke(member.Id);
        member.Stream?.Close(member.Reason ?? "the worker is gone");
        member.Stream = null;
        member.ReadyAwaitingStream = null;
    }
}
