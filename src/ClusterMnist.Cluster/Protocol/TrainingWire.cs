// The edge between the protocol records and their generated protobuf types. Raw tensors (parameters, int32 sums)
// are wrapped without copying on send (UnsafeByteOperations.UnsafeWrap) and exposed as the received buffer's
// memory on receive (reinterpreted with MemoryMarshal.Cast where used); only the small per-shard and per-segment
// lists are encoded element by element. The byte order is the machine's, which must be little-endian.
using System.Runtime.InteropServices;
using Google.Protobuf;
using W = ClusterMnist.Cluster.Wire;

namespace ClusterMnist.Cluster.Protocol;

/// <summary>Maps every training-protocol record to its wire message and back.</summary>
public static class TrainingWire
{
    /// <summary>The protocol's record types, each of which <see cref="ToWire"/> maps (for codec registration).</summary>
    public static IReadOnlyList<Type> RecordTypes { get; } =
    [
        typeof(JoinRequest), typeof(JoinAccepted), typeof(JoinRefused), typeof(ComputeShards), typeof(ShardsDone),
        typeof(Heartbeat), typeof(Goodbye), typeof(TrainingFinished), typeof(SharedMemoryReady),
    ];

    /// <summary>The wire message of a protocol record.</summary>
    /// <exception cref="ArgumentException">The record is not part of the wire protocol (e.g. a local tick).</exception>
    public static IMessage ToWire(object record)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("The training wire format sends raw little-endian tensors.");
        return record switch
        {
            JoinRequest m => new W.JoinRequest { WorkerId = m.WorkerId, Cores = m.Cores, DataFingerprint = m.DataFingerprint, SharedMemory = m.SharedMemory },
            JoinAccepted m => new W.JoinAccepted
            {
                CoordinatorId = m.CoordinatorId, Model = m.Model, BatchSize = m.BatchSize, MicroShardSize = m.MicroShardSize, Seed = m.Seed,
                SharedParametersPath = m.SharedMemory?.ParametersPath ?? "", SharedSumsPath = m.SharedMemory?.SumsPath ?? "",
                SharedParametersNonce = m.SharedMemory?.ParametersNonce ?? "", SharedSumsNonce = m.SharedMemory?.SumsNonce ?? "",
            },
            SharedMemoryReady m => new W.SharedMemoryReady { WorkerId = m.WorkerId, Attached = m.Attached, Detail = m.Detail },
            JoinRefused m => new W.JoinRefused { Reason = m.Reason },
            ComputeShards m => ComputeShardsToWire(m, withParameters: true),
            ShardsDone m => ShardsDoneToWire(m, withSums: true),
            Heartbeat m => new W.Heartbeat { WorkerId = m.WorkerId },
            Goodbye m => new W.Goodbye { WorkerId = m.WorkerId, Reason = m.Reason },
            TrainingFinished m => new W.TrainingFinished { ParameterSha256 = m.ParameterSha256 },
            _ => throw new ArgumentException($"{record.GetType().Name} is not a wire message of the training protocol.", nameof(record)),
        };
    }

    /// <summary>The protocol record of a wire message.</summary>
    public static object FromWire(IMessage message) => message switch
    {
        W.JoinRequest m => new JoinRequest(m.WorkerId, m.Cores, m.DataFingerprint, m.SharedMemory),
        W.JoinAccepted m => new JoinAccepted(m.CoordinatorId, m.Model, m.BatchSize, m.MicroShardSize, m.Seed,
            m.SharedParametersPath.Length > 0 ? new SharedMemoryOffer(m.SharedParametersPath, m.SharedParametersNonce, m.SharedSumsPath, m.SharedSumsNonce)
                : null),
        W.SharedMemoryReady m => new SharedMemoryReady(m.WorkerId, m.Attached, m.Detail),
        W.JoinRefused m => new JoinRefused(m.Reason),
        W.ComputeShards m => new ComputeShards(m.Step, m.AssignmentId, m.ParameterVersion, m.Parameters.Memory, m.BatchRows,
            m.Shards.ToArray(), m.SampleIndices.ToArray(), m.Exponents.ToArray(), m.ParametersShared, m.SharedSumsSlot - 1),
        W.ShardsDone m => new ShardsDone(m.WorkerId, m.Step, m.AssignmentId, m.Shards.ToArray(), m.Sums.Memory, m.MaxAbs.ToArray(),
            m.Overflow.ToArray(), m.ShardLoss.ToArray(), m.ShardCorrect.ToArray(), m.ComputeSeconds, m.SharedSumsSlot - 1),
        W.Heartbeat m => new Heartbeat(m.WorkerId),
        W.Goodbye m => new Goodbye(m.WorkerId, m.Reason),
        W.TrainingFinished m => new TrainingFinished(m.ParameterSha256),
        _ => throw new ArgumentException($"{message.Descriptor.FullName} is not a wire message of the training protocol.", nameof(message)),
    };

    /// <summary>Serialized protobuf size of <paramref name="record"/> (the payload of its envelope).</summary>
    public static int SizeOf(object record) => ToWire(record).CalculateSize();

    /// <summary>Raw little-endian bytes of <paramref name="values"/> (a copy, safe to send while the source changes).</summary>
    public static byte[] RawBytes<T>(ReadOnlySpan<T> values) where T : unmanaged => MemoryMarshal.AsBytes(values).ToArray();

    /// <summary>
    /// The wire message of <paramref name="m"/>; without its parameters when they are sent as an attachment
    /// (field <see cref="W.ComputeShards.ParametersFieldNumber"/>, the highest, so they go last either way).
    /// </summary>
    internal static W.ComputeShards ComputeShardsToWire(ComputeShards m, bool withParameters)
    {
        var wire = new W.ComputeShards
        {
            Step = m.Step,
            AssignmentId = m.AssignmentId,
            ParameterVersion = m.ParameterVersion,
            Parameters = withParameters ? UnsafeByteOperations.UnsafeWrap(m.Parameters) : ByteString.Empty,
            BatchRows = m.BatchRows,
            ParametersShared = m.ParametersShared,
            SharedSumsSlot = Math.Max(-1, m.SharedSumsSlot) + 1,
        };
        wire.Shards.AddRange(m.Shards.ToArray());
        wire.SampleIndices.AddRange(m.SampleIndices.ToArray());
        wire.Exponents.AddRange(m.Exponents.ToArray());
        return wire;
    }

    /// <summary>The wire message of <paramref name="m"/>; without its sums when they are sent as an attachment.</summary>
    internal static W.ShardsDone ShardsDoneToWire(ShardsDone m, bool withSums)
    {
        var wire = new W.ShardsDone
        {
            WorkerId = m.WorkerId,
            Step = m.Step,
            AssignmentId = m.AssignmentId,
            Sums = withSums ? UnsafeByteOperations.UnsafeWrap(m.Sums) : ByteString.Empty,
            ComputeSeconds = m.ComputeSeconds,
            SharedSumsSlot = Math.Max(-1, m.SharedSumsSlot) + 1,
        };
        wire.Shards.AddRange(m.Shards.ToArray());
        wire.MaxAbs.AddRange(m.MaxAbs.ToArray());
        wire.Overflow.AddRange(m.Overflow.ToArray());
        wire.ShardLoss.AddRange(m.ShardLoss.ToArray());
        wire.ShardCorrect.AddRange(m.ShardCorrect.ToArray());
        return wire;
    }
}
