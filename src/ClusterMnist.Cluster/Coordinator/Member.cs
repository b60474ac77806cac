using ClusterMnist.Actors;

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

    public long ShardsDone { get; set; }

    public long SamplesDone { get; set; }

    public double ComputeSeconds { get; set; }

    public bool IsLive => State == MemberState.Active;

    public MemberStatus ToStatus() => new(Id, Actor.ToString() ?? Actor.Path, Cores, State, LastSeen, ShardsDone,
        ComputeSeconds > 0 ? SamplesDone / ComputeSeconds : 0, Reason);
}

/// <summary>Shards of the current step handed to one worker.</summary>
internal sealed record Assignment(long Id, long Step, string WorkerId, int[] Shards, long SentTimestamp);
