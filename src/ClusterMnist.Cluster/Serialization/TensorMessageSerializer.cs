// The two records that can carry tensors, ComputeShards (parameters) and ShardsDone (int32 sums), plus their small
// per-shard and per-segment arrays. Between nodes the big tensors travel on the data plane, so these messages are
// small there; they are serialized with their tensor only in a test that turns serialize-messages on for a cluster in
// one process. Either way every array is written once as raw little-endian bytes (a block copy, no per-element
// encoding), and a deserialized tensor is a view of the received bytes, not a copy.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;
using ClusterMnist.Cluster.Messages;

namespace ClusterMnist.Cluster.Serialization;

/// <summary>Serializes <see cref="ComputeShards"/> and <see cref="ShardsDone"/> as raw little-endian blocks.</summary>
public sealed class TensorMessageSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer's id in Akka's registry (ids up to 100 are Akka's own).</summary>
    public const int Id = 731;

    private const string ComputeShardsManifest = "CS";
    private const string ShardsDoneManifest = "SD";
    private const int MaxWorkerIdBytes = 1024;

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <summary>Bytes of <paramref name="message"/> once serialized (what it costs between nodes).</summary>
    public static int SizeOf(object message) => message switch
    {
        ComputeShards m => ComputeShardsHeader + Block(m.Shards.Length, 4) + Block(m.SampleIndices.Length, 4) + Block(m.Exponents.Length, 4)
            + Block(m.Parameters.Length, 1),
        ShardsDone m => ShardsDoneHeader + Block(Encoding.UTF8.GetByteCount(m.WorkerId), 1) + Block(m.Shards.Length, 4) + Block(m.Sums.Length, 1)
            + Block(m.MaxAbs.Length, 4) + Block(m.Overflow.Length, 1) + Block(m.ShardLoss.Length, 8) + Block(m.ShardCorrect.Length, 4),
        _ => throw new ArgumentException($"{message.GetType().Name} is not a tensor message.", nameof(message)),
    };

    // step, assignment id, version, batch rows, route, sums slot.
    private const int ComputeShardsHeader = 8 + 8 + 8 + 4 + 1 + 4;

    // step, assignment id, compute seconds, route, sums slot.
    private const int ShardsDoneHeader = 8 + 8 + 8 + 1 + 4;

    private static int Block(int count, int elementSize) => 4 + (count * elementSize);

    /// <inheritdoc />
    public override string Manifest(object o) => o switch
    {
        ComputeShards => ComputeShardsManifest,
        ShardsDone => ShardsDoneManifest,
        _ => throw new ArgumentException($"{o.GetType().Name} is not a tensor message.", nameof(o)),
    };

    /// <summary>
    /// The most bytes a <see cref="ComputeShards"/> or <see cref="ShardsDone"/> without its tensor can take for a run of
    /// <paramref name="batchSize"/> rows and <paramref name="segmentCount"/> reduction segments (a data plane control
    /// frame's bound): at most one shard, loss and count per row, one sample index per row, per segment an exponent,
    /// a max |g| and a flag, and a worker id of at most 1 KB.
    /// </summary>
    public static int MaxControlBytes(int batchSize, int segmentCount) => checked(256 + MaxWorkerIdBytes + (20 * batchSize) + (9 * segmentCount));

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => Encode(obj);

    /// <summary>The bytes of <paramref name="obj"/> (what <see cref="ToBinary"/> writes, also a data plane frame's payload).</summary>
    public static byte[] Encode(object obj)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Tensor messages are raw little-endian bytes.");
        var bytes = new byte[SizeOf(obj)];
        var writer = new BlockWriter(bytes);
        switch (obj)
        {
            case ComputeShards m:
                writer.Int64(m.Step);
                writer.Int64(m.AssignmentId);
                writer.Int64(m.ParameterVersion);
                writer.Int32(m.BatchRows);
                writer.Byte((byte)m.ParametersRoute);
                writer.Int32(m.SharedSumsSlot);
                writer.Block(m.Shards.Span);
                writer.Block(m.SampleIndices.Span);
                writer.Block(m.Exponents.Span);
                writer.Block(m.Parameters.Span);
                break;
            case ShardsDone m:
                writer.Int64(m.Step);
                writer.Int64(m.AssignmentId);
                writer.Double(m.ComputeSeconds);
                writer.Byte((byte)m.SumsRoute);
                writer.Int32(m.SharedSumsSlot);
                writer.Block<byte>(Encoding.UTF8.GetBytes(m.WorkerId));
                writer.Block(m.Shards.Span);
                writer.Block(m.Sums.Span);
                writer.Block(m.MaxAbs.Span);
                writer.Block(MemoryMarshal.AsBytes(m.Overflow.Span));
                writer.Block(m.ShardLoss.Span);
                writer.Block(m.ShardCorrect.Span);
                break;
            default:
                throw new ArgumentException($"{obj.GetType().Name} is not a tensor message.", nameof(obj));
        }
        return bytes;
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        ComputeShardsManifest => DecodeComputeShards(bytes),
        ShardsDoneManifest => DecodeShardsDone(bytes),
        _ => throw new SerializationException($"Unknown tensor message manifest '{manifest}'."),
    };

    /// <summary>Reads a <see cref="ComputeShards"/>; its parameters, if any, are a view of <paramref name="bytes"/>.</summary>
    public static ComputeShards DecodeComputeShards(ReadOnlyMemory<byte> bytes)
    {
        var reader = new BlockReader(bytes);
        return reader.End(ReadComputeShards(ref reader));
    }

    /// <summary>Reads a <see cref="ShardsDone"/>; its sums, if any, are a view of <paramref name="bytes"/>.</summary>
    public static ShardsDone DecodeShardsDone(ReadOnlyMemory<byte> bytes)
    {
        var reader = new BlockReader(bytes);
        return reader.End(ReadShardsDone(ref reader));
    }

    private static ComputeShards ReadComputeShards(ref BlockReader reader)
    {
        long step = reader.Int64();
        long assignment = reader.Int64();
        long version = reader.Int64();
        int rows = reader.Int32();
        var route = reader.Route();
        int slot = reader.Int32();
        var shards = reader.Block<int>();
        var indices = reader.Block<int>();
        var exponents = reader.Block<int>();
        var parameters = reader.Bytes();
        return new ComputeShards(step, assignment, version, parameters, rows, shards, indices, exponents, route, slot);
    }

    private static ShardsDone ReadShardsDone(ref BlockReader reader)
    {
        long step = reader.Int64();
        long assignment = reader.Int64();
        double seconds = reader.Double();
        var route = reader.Route();
        int slot = reader.Int32();
        var id = reader.Bytes();
        if (id.Length > MaxWorkerIdBytes)
            throw new SerializationException($"A worker id of {id.Length} bytes is longer than the {MaxWorkerIdBytes} allowed.");
        string workerId = Encoding.UTF8.GetString(id.Span);
        var shards = reader.Block<int>();
        var sums = reader.Bytes();
        var maxAbs = reader.Block<float>();
        var overflow = reader.Bytes().ToArray().Select(b => b switch
        {
            0 => false,
            1 => true,
            _ => throw new SerializationException($"An overflow flag must be 0 or 1, not {b}."),
        }).ToArray();
        var loss = reader.Block<double>();
        var correct = reader.Block<int>();
        return new ShardsDone(workerId, step, assignment, shards, sums, maxAbs, overflow, loss, correct, seconds, route, slot);
    }

    private ref struct BlockWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        private int _at;

        public void Byte(byte value) => _destination[_at++] = value;

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_destination[_at..], value);
            _at += 4;
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_destination[_at..], value);
            _at += 8;
        }

        public void Double(double value)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_destination[_at..], value);
            _at += 8;
        }

        public void Block<T>(ReadOnlySpan<T> values) where T : unmanaged
        {
            Int32(values.Length);
            var bytes = MemoryMarshal.AsBytes(values);
            bytes.CopyTo(_destination[_at..]);
            _at += bytes.Length;
        }
    }

    // Every length is checked against what is left before it is used, so a malformed message fails with a
    // SerializationException instead of reading out of range or allocating what it claims.
    private ref struct BlockReader(ReadOnlyMemory<byte> source)
    {
        private readonly ReadOnlyMemory<byte> _source = source;
        private int _at;

        public readonly int Remaining => _source.Length - _at;

        /// <summary><paramref name="message"/>, if it took every byte.</summary>
        public readonly T End<T>(T message) => Remaining == 0
            ? message
            : throw new SerializationException($"A {typeof(T).Name} is followed by {Remaining} unexpected bytes.");

        public TensorRoute Route()
        {
            Need(1);
            byte value = _source.Span[_at++];
            return Enum.IsDefined((TensorRoute)value) ? (TensorRoute)value : throw new SerializationException($"Unknown tensor route {value}.");
        }

        public int Int32()
        {
            Need(4);
            int value = BinaryPrimitives.ReadInt32LittleEndian(_source.Span[_at..]);
            _at += 4;
            return value;
        }

        public long Int64()
        {
            Need(8);
            long value = BinaryPrimitives.ReadInt64LittleEndian(_source.Span[_at..]);
            _at += 8;
            return value;
        }

        public double Double()
        {
            Need(8);
            double value = BinaryPrimitives.ReadDoubleLittleEndian(_source.Span[_at..]);
            _at += 8;
            return value;
        }

        /// <summary>A block of bytes as a view of the source (a tensor is not copied).</summary>
        public ReadOnlyMemory<byte> Bytes()
        {
            int count = Int32();
            if (count < 0)
                throw new SerializationException($"A block length of {count} is negative.");
            Need(count);
            var view = _source.Slice(_at, count);
            _at += count;
            return view;
        }

        public T[] Block<T>() where T : unmanaged
        {
            int count = Int32();
            int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            if (count < 0 || count > Remaining / size)
                throw new SerializationException($"A block of {count} elements does not fit in the {Remaining} bytes left.");
            var values = new T[count];
            _source.Span.Slice(_at, count * size).CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            _at += count * size;
            return values;
        }

        private readonly void Need(int count)
        {
            if (count > Remaining)
                throw new SerializationException($"The message ends {count - Remaining} bytes early.");
        }
    }
}
