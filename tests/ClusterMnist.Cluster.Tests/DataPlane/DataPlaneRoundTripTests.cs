using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

public sealed class DataPlaneRoundTripTests
{
    // 784-256-128-10 has 235,146 parameters: 940,584 bytes of float32 per version.
    private const int ParameterBytes = 940_584;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Frames_RoundTripByteExact_InBothDirections(bool encrypted)
    {
        await using var harness = DataPlaneHarness.Start(encrypted);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        Assert.Equal(encrypted, coordinator.Encrypted);
        Assert.Equal(encrypted, worker.Encrypted);
        var atCoordinator = FrameInbox.Start(coordinator);
        var atWorker = FrameInbox.Start(worker);

        foreach (int length in new[] { ParameterBytes, 0, 1, 13, 65_537 })
        {
            byte[] parameters = RandomBytes(length, seed: length);
            byte[] sums = RandomBytes(length, seed: length + 1);
            long version = 1L << 40 | (uint)length;
            await coordinator.SendAsync(DataFrameKind.Parameters, version, parameters);
            using (var down = await atWorker.NextAsync())
            {
                Assert.Equal(new DataFrameHeader(DataFrameKind.Parameters, length, version), down.Header);
                Assert.True(down.Payload.Memory.Span.SequenceEqual(parameters), $"parameters of {length} bytes arrived changed");
            }

            await worker.SendAsync(DataFrameKind.GradientSum, -version, sums);
            using var up = await atCoordinator.NextAsync();
            Assert.Equal(new DataFrameHeader(DataFrameKind.GradientSum, length, -version), up.Header);
            Assert.True(up.Payload.Memory.Span.SequenceEqual(sums), $"sums of {length} bytes arrived changed");
        }

        Assert.False(coordinator.Completion.IsCompleted);
        Assert.Equal(1, harness.AcceptedCount);
    }

    [Fact]
    public async Task ConcurrentSends_ArriveAsWholeFrames()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        var atCoordinator = FrameInbox.Start(coordinator);
        FrameInbox.Start(worker);

        // Eight senders at once: the connection must serialize them, never interleave two payloads.
        await Task.WhenAll(Enumerable.Range(1, 8).Select(i =>
            Task.Run(async () => await worker.SendAsync(DataFrameKind.GradientSum, i, Filled(100_000 + i, (byte)i)))));

        var ids = new List<long>();
        for (int i = 0; i < 8; i++)
        {
            using var frame = await atCoordinator.NextAsync();
            byte expected = (byte)frame.Header.Id;
            Assert.Equal(100_000 + expected, frame.Header.PayloadLength);
            Assert.True(frame.Payload.Memory.Span.IndexOfAnyExcept(expected) < 0, $"frame {frame.Header.Id} holds bytes of another frame");
            ids.Add(frame.Header.Id);
        }

        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), ids.Order());
    }

    [Fact]
    public async Task ReceivedBuffers_AreReused_FrameAfterFrame()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        var atWorker = FrameInbox.Start(worker);
        byte[] parameters = RandomBytes(ParameterBytes, seed: 3);

        for (int version = 1; version <= 20; version++)
        {
            await coordinator.SendAsync(DataFrameKind.Parameters, version, parameters);
            using var frame = await atWorker.NextAsync();
            Assert.Equal(version, frame.Header.Id);
        }

        Assert.Equal(1, worker.Buffers.BuffersAllocated);
    }

    [Fact]
    public async Task Dispose_CompletesBothEnds_AndLaterSendsThrow()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        FrameInbox.Start(coordinator);
        FrameInbox.Start(worker);

        await worker.DisposeAsync();

        Assert.Equal("closed by this side", await worker.Completion);
        Assert.Contains("peer closed", await coordinator.Completion.WaitAsync(DataPlaneHarness.HangGuard));
        await Assert.ThrowsAsync<DataPlaneException>(async () => await worker.SendAsync(DataFrameKind.GradientSum, 1, new byte[4]));
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Filled(int length, byte value)
    {
        var bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        return bytes;
    }
}
