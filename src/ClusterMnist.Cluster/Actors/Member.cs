using Akka.Actor;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.Actors;

/// <summary>The coordinator's record of one worker; owned by the coordinator actor, never shared.</summary>
internal sealed class Member(string id, IActorRef actor, int cores, long joinOrder)
{
    public string Id { get; } = id;

    public IActorRef Actor { get; } = actor;

    /// <summary>The node the worker runs on; a local address (no host) for a worker in the coordinator's process.</summary>
    public Address Address => Actor.Path.Address;

    public bool IsRemote => Address.Host is not null;

    public int Cores { get; } = cores;

    public long JoinOrder { get; } = joinOrder;

    public MemberState State { get; set; } = MemberState.Joining;

    public string? Reason { get; set; }

    /// <summary>The answer to its join, repeated as is when the join request is repeated.</summary>
    public JoinAccepted? Accepted { get; set; }

    /// <summary>How its tensors travel, once it is ready.</summary>
    public TensorRoute Route { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>The parameter version last sent to it (−1: none), so parameters cross the wire once per step.</summary>
    public long ParameterVersionSent { get; set; } = -1;

    /// <summary>Its sums file, offered at the join and not yet answered.</summary>
    public SharedSums? OfferedSums { get; set; }

    /// <summary>Its sums file once it mapped it: tensors go through shared memory.</summary>
    public SharedSums? SharedSums { get; set; }

    /// <summary>Its data plane stream, once it connected with its ticket.</summary>
    public IWorkerStream? Stream { get; set; }

    /// <summary>It said it is ready before its stream's connection was handed over (they travel apart).</summary>
    public WorkerReady? ReadyAwaitingStream { get; set; }

    public long ShardsDone { get; set; }

    public long SamplesDone { get; set; }

    public double ComputeSeconds { get; set; }

    /// <summary>Takes shards (joined, its data and data plane ready).</summary>
    public bool IsLive => State == MemberState.Active;

    /// <summary>Still taking part: joining, active, or unreachable for now.</summary>
    public bool IsPresent => State is MemberState.Joining or MemberState.Active or MemberState.Unreachable;
}

/// <summary>Shards of the current step handed to one worker.</summary>
/// <remarks>With a sums slot, the answer's sums are in slot <paramref name="SumsSlot"/> of <paramref name="Sums"/>.</remarks>
internal sealed record Assignment(long Id, long Step, string WorkerId, int[] Shards, DateTimeOffset SentAt, long SentTimestamp,
    SharedSums? Sums = null, int SumsSlot = -1);
