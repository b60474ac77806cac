using ClusterMnist.Actors;
using ClusterMnist.Cluster.Protocol;

namespace ClusterMnist.Cluster.Coordinator;

/// <summary>The coordinator's record of one worker; owned by the coordinator actor, never shared.</summary>
internal sealed class Member(string id, IActorRef actor, int cores, long joinOrder)
{
    public string Id { get; } = id;

    public IActorRef Actor { get; } = actor;

    public int Cores { get; } = cores;

    public long JoinOrder { get; } = joinOrder;

    public MemberState State { get; set; } = MemberState.Active;

    public string? Reason { get; set; }

    /// <summary>Declared dead for silence alone, so a heartbeat on the same connection brings it back.</summary>
    public bool DeclaredSilent { get; set; }

    public long LastSeenTimestamp { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>The parameter version last sent to it (−1: none), so parameters cross the wire once per step.</summary>
    public long ParameterVersionSent { get; set; } = -1;

    /// <summary>Its sums file, offered at the join and not yet answered.</summary>
    public SharedSums? OfferedSums { get; set; }

    /// <summary>Its sums file once it mapped it: tensors go through shared memory.</summary>
    public SharedSums? SharedSums { get; set; }

    public long ShardsDone { get; set; }

    public long SamplesDone { get; set; }

    public double ComputeSeconds { get; set; }

    public bool IsLive => State == MemberState.Active;

    public MemberStatus ToStatus() => new(Id, Actor.ToString() ?? Actor.Path, Cores, State, LastSeen, ShardsDone,
        ComputeSeconds > 0 ? SamplesDone / ComputeSeconds : 0, Reason);
}

/// <summary>Shards of the current step handed to one worker.</summary>
/// <remarks>With a sums slot, the answer's sums are in slot <paramref name="SumsSlot"/> of <paramref name="Sums"/>.</remarks>
internal sealed record Assignment(long Id, long Step, string WorkerId, int[] Shards, long SentTimestamp, SharedSums? Sums = null, int SumsSlot = -1);
