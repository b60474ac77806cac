using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

public sealed class CoalescingStreamTests
{
    [Fact]
    public async Task WritesOfAFrame_LeaveTogetherAtItsEnd_OthersAtOnce()
    {
        var inner = new WriteLog();
        await using var stream = new CoalescingStream(inner);
        stream.Enable();

        await stream.WriteAsync(new byte[] { 1 });
        Assert.Equal([1], inner.Writes.Single());

        stream.BeginFrame();
        await stream.WriteAsync(new byte[] { 2, 3 });
        await stream.WriteAsync(new byte[] { 4 });
        Assert.Single(inner.Writes);
        await stream.EndFrameAsync(CancellationToken.None);

        Assert.Equal([2, 3, 4], inner.Writes[1]);
        await stream.WriteAsync(new byte[] { 5 });
        Assert.Equal([5], inner.Writes[2]);
    }

    [Fact]
    public async Task AFrameLargerThanTheBuffer_ArrivesWholeAndInOrder()
    {
        var inner = new WriteLog();
        await using var stream = new CoalescingStream(inner);
        stream.Enable();
        byte[] frame = DataPlaneRoundTripTests.RandomBytes((3 * CoalescingStream.BufferBytes) + 5, seed: 9);

        stream.BeginFrame();
        for (int offset = 0; offset < frame.Length; offset += 16_384)
        {
            await stream.WriteAsync(frame.AsMemory(offset, Math.Min(16_384, frame.Length - offset)));
        }

        await stream.EndFrameAsync(CancellationToken.None);

        Assert.Equal(frame, inner.Writes.SelectMany(w => w));
        Assert.All(inner.Writes, w => Assert.InRange(w.Length, 1, CoalescingStream.BufferBytes));
        Assert.Equal(4, inner.Writes.Count);
    }

    [Fact]
    public async Task Reads_ComeFromOneLargeReadOfTheInnerStream_OnceEnabled()
    {
        byte[] data = DataPlaneRoundTripTests.RandomBytes(100_000, seed: 1);
        var inner = new ReadCounter(data);
        await using var stream = new CoalescingStream(inner);

        var first = new byte[10];
        await stream.ReadExactlyAsync(first);
        stream.Enable();
        var rest = new byte[data.Length - first.Length];
        for (int offset = 0; offset < rest.Length; offset += 1000)
        {
            await stream.ReadExactlyAsync(rest.AsMemory(offset, Math.Min(1000, rest.Length - offset)));
        }

        Assert.Equal(data, first.Concat(rest));
        Assert.Equal(2, inner.Reads); // 10 bytes before Enable passed straight through; then one read fetched the rest
        Assert.Equal(0, await stream.ReadAsync(new byte[8]));
    }

    /// <summary>Records every write it receives as a separate array.</summary>
    private sealed class WriteLog : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Serves <c>data</c> and counts the reads asked of it.</summary>
    private sealed class ReadCounter(byte[] data) : MemoryStream(data)
    {
        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return base.ReadAsync(buffer, cancellationToken);
        }
    }
}
