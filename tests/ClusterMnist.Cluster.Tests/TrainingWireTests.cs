using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Protocol;
using Xunit.Abstractions;

namespace ClusterMnist.Cluster.Tests;

public sealed class TrainingWireTests(ITestOutputHelper output)
{
    // 784-100-10 (the MNIST MLP): 79,510 parameters, 4 segments.
    private const int Parameters = 79_510;

    [Fact]
    public void Codecs_RoundTripEveryRecord_WithTensorsAsViews()
    {
        var registry = TrainingCodecs.Register(new MessageCodecRegistry());
        var floats = Enumerable.Range(0, 10).Select(i => i * 0.5f - 1f).ToArray();
        var compute = new ComputeShards(7, 42, 6, TrainingWire.RawBytes<float>(floats), 64, new[] { 2, 3 }, new[] { 5, 9, 1, 0 },
            new[] { -20, 3, -126, 126 });
        var done = new ShardsDone("w1", 7, 42, new[] { 2, 3 }, TrainingWire.RawBytes<int>(new[] { 1, -2, int.MaxValue }), new[] { 0.5f, 2f },
            new[] { false, true }, new[] { 1.25, 2.5 }, new[] { 3, 4 }, 0.125);

        var decoded = (ComputeShards)RoundTrip(registry, compute);
        Assert.Equal(compute with { Parameters = default, Shards = default, SampleIndices = default, Exponents = default },
            decoded with { Parameters = default, Shards = default, SampleIndices = default, Exponents = default });
        Assert.Equal(floats, TensorBytes.AsFloats(decoded.Parameters).ToArray());
        Assert.Equal(compute.Shards.ToArray(), decoded.Shards.ToArray());
        Assert.Equal(compute.SampleIndices.ToArray(), decoded.SampleIndices.ToArray());
        Assert.Equal(compute.Exponents.ToArray(), decoded.Exponents.ToArray());

        var back = (ShardsDone)RoundTrip(registry, done);
        Assert.Equal(done.Sums.ToArray(), back.Sums.ToArray());
        Assert.Equal(done.MaxAbs.ToArray(), back.MaxAbs.ToArray());
        Assert.Equal(done.Overflow.ToArray(), back.Overflow.ToArray());
        Assert.Equal(done.ShardLoss.ToArray(), back.ShardLoss.ToArray());
        Assert.Equal(done.ShardCorrect.ToArray(), back.ShardCorrect.ToArray());
        Assert.Equal((done.WorkerId, done.Step, done.AssignmentId, done.ComputeSeconds), (back.WorkerId, back.Step, back.AssignmentId, back.ComputeSeconds));

        // Through shared memory: the flags and slots travel, the tensors stay empty.
        var sharedCompute = compute with { Parameters = ReadOnlyMemory<byte>.Empty, ParametersShared = true, SharedSumsSlot = 1 };
        var sharedDecoded = (ComputeShards)RoundTrip(registry, sharedCompute);
        Assert.Equal((true, 1, 0), (sharedDecoded.ParametersShared, sharedDecoded.SharedSumsSlot, sharedDecoded.Parameters.Length));
        Assert.Equal(-1, decoded.SharedSumsSlot);
        var sharedDone = (ShardsDone)RoundTrip(registry, done with { Sums = ReadOnlyMemory<byte>.Empty, SharedSumsSlot = 0 });
        Assert.Equal((0, 0), (sharedDone.SharedSumsSlot, sharedDone.Sums.Length));
        Assert.Equal(-1, back.SharedSumsSlot);

        object[] small = [new JoinRequest("w1", 4, "abc"), new JoinRequest("w2", 1, "def", SharedMemory: true), new JoinAccepted("c", "784-10", 64, 8, 3),
            new JoinAccepted("c", "784-10", 64, 8, 3, new SharedMemoryOffer("/dev/shm/p", "00ff", "/dev/shm/s", "ff00")), new JoinRefused("no"),
            new Heartbeat("w1"), new Goodbye("w1", "SIGTERM"), new TrainingFinished("hash"), new SharedMemoryReady("w1", true, "mapped")];
        foreach (var record in small)
            Assert.Equal(record, RoundTrip(registry, record));
        Assert.Equal(TrainingWire.RecordTypes.Count, small.Select(r => r.GetType()).Distinct().Count() + 2);

        // The tensors travel as attachments, from the record's own memory; nothing else does.
        Assert.Equal(compute.Parameters, registry.ForType(typeof(ComputeShards)).AttachmentOf(compute).Bytes);
        Assert.Equal(done.Sums, registry.ForType(typeof(ShardsDone)).AttachmentOf(done).Bytes);
        Assert.Equal(0, Google.Protobuf.MessageExtensions.ToByteArray(registry.ForType(typeof(ComputeShards)).Encode(compute)).Length
            - TrainingWire.SizeOf(compute with { Parameters = ReadOnlyMemory<byte>.Empty }));
        foreach (var record in small)
            Assert.True(registry.ForType(record.GetType()).AttachmentOf(record).IsNone);

        // The two tensor records lease their receive buffer (the worker and coordinator release it); the rest do not.
        Assert.True(registry.ForName(TrainingCodecs.Prefix + nameof(ComputeShards))!.LeasesPayload);
        Assert.True(registry.ForName(TrainingCodecs.Prefix + nameof(ShardsDone))!.LeasesPayload);
        foreach (var record in small)
            Assert.False(registry.ForName(TrainingCodecs.Prefix + record.GetType().Name)!.LeasesPayload);
    }

    [Fact]
    public void WireBytes_PerWorkerAndStep_StayWithinTwoPointOneTimesTheParameterBytes()
    {
        // One MNIST step of batch 128 in 32-row shards, all four shards on one worker (the worst case for the index list).
        var compute = new ComputeShards(1000, 4000, 999, new byte[4 * Parameters], 128, new[] { 0, 1, 2, 3 },
            Enumerable.Range(59_000, 128).ToArray(), new[] { -30, -31, -28, -29 });
        var done = new ShardsDone("worker-with-a-long-name", 1000, 4000, new[] { 0, 1, 2, 3 }, new byte[4 * Parameters],
            new float[4], new bool[4], new double[4], new int[4], 0.0123);
        double ratio = (TrainingWire.SizeOf(compute) + TrainingWire.SizeOf(done)) / (4.0 * Parameters);
        output.WriteLine($"784-100-10, batch 128 on one worker: assignment {TrainingWire.SizeOf(compute)} B + answer {TrainingWire.SizeOf(done)} B = {ratio:F4}x of {4 * Parameters} parameter bytes");
        Assert.InRange(ratio, 2.0, 2.01);
    }

    [Fact]
    public void ShardAssigner_SplitsContiguously_InProportionToCores()
    {
        var shards = Enumerable.Range(0, 8).ToArray();
        var runs = ShardAssigner.Split(shards, [1, 3]);
        Assert.Equal([0, 1], runs[0]);
        Assert.Equal([2, 3, 4, 5, 6, 7], runs[1]);
        var many = ShardAssigner.Split([4, 5, 6], [1, 1, 1, 1, 1]);
        Assert.Equal([4, 5, 6], many.SelectMany(r => r));
        Assert.Equal(5, many.Length);
    }

    private static object RoundTrip(MessageCodecRegistry registry, object record)
    {
        var codec = registry.ForType(record.GetType());
        // What the envelope writer sends: the encoded message, then the attachment (if any) as its last field.
        var payload = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(payload);
        codec.Encode(record).WriteTo(output);
        var attachment = codec.AttachmentOf(record);
        if (!attachment.IsNone && !attachment.Bytes.IsEmpty)
        {
            output.WriteTag(attachment.FieldNumber, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            output.WriteLength(attachment.Bytes.Length);
            output.Flush();
            payload.Write(attachment.Bytes.Span);
        }
        output.Flush();
        return registry.ForName(codec.TypeName)!.Decode(payload.ToArray());
    }
}
