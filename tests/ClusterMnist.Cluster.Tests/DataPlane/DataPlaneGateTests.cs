using System.Net.Sockets;
using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

public sealed class DataPlaneGateTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RejectedFrame_ClosesTheConnection_WithoutDeliveringIt(bool encrypted)
    {
        await using var harness = DataPlaneHarness.Start(encrypted);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        const int expectedBytes = 4 * 1000;
        var atCoordinator = FrameInbox.Start(coordinator, header => header.PayloadLength == expectedBytes
            ? FrameVerdict.Accept
            : FrameVerdict.Reject($"expected {expectedBytes} bytes"));
        FrameInbox.Start(worker);

        await worker.SendAsync(DataFrameKind.GradientSum, 1, new byte[expectedBytes]);
        (await atCoordinator.NextAsync()).Dispose();
        await DataPlaneHarness.SendRefusedFrameAsync(worker, DataFrameKind.GradientSum, 2, new byte[expectedBytes + 4]);

        string reason = await coordinator.Completion.WaitAsync(DataPlaneHarness.HangGuard);
        Assert.Contains("expected 4000 bytes", reason);
        await harness.ServerLog.WaitForAsync("Warning", "worker 'w1' (peer 127.0.0.1:", "GradientSum frame 2 of 4004 bytes", "expected 4000 bytes");
        await worker.Completion.WaitAsync(DataPlaneHarness.HangGuard);
        Assert.False(atCoordinator.HasFrame);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task StaleFrame_IsReadAndDropped_AndTheConnectionStays()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        long current = 5;
        var atWorker = FrameInbox.Start(worker, header => header.Id < current ? FrameVerdict.Stale($"version {header.Id} is old") : FrameVerdict.Accept);
        FrameInbox.Start(coordinator);

        await coordinator.SendAsync(DataFrameKind.Parameters, 4, DataPlaneRoundTripTests.RandomBytes(100_000, 4));
        byte[] fresh = DataPlaneRoundTripTests.RandomBytes(100_000, 5);
        await coordinator.SendAsync(DataFrameKind.Parameters, 5, fresh);

        using var frame = await atWorker.NextAsync();
        Assert.Equal(5, frame.Header.Id);
        Assert.True(frame.Payload.Memory.Span.SequenceEqual(fresh));
        Assert.Equal([4L, 5L], atWorker.Gated.Select(h => h.Id));
        Assert.False(worker.Completion.IsCompleted);
    }

    [Theory]
    [InlineData(77, 8, "unknown frame kind 77")]
    [InlineData((int)DataFrameKind.GradientSum, DataFrameHeader.MaxPayloadLength + 1, "payload length 1073741825 above the limit of 1073741824 bytes")]
    [InlineData((int)DataFrameKind.GradientSum, -4, "negative payload length -4")]
    public async Task MalformedHeader_FromAnAuthenticatedPeer_ClosesItsConnection_BeforeTheGate(int kind, int payloadLength, string problem)
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false);
        byte[] ticket = harness.Server.Authorize("w1");
        using var guard = new CancellationTokenSource(DataPlaneHarness.HangGuard);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", harness.Port, guard.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(DataPlaneHello.Encode("w1", ticket), guard.Token);
        Assert.Equal(DataPlaneHello.Answer.Accepted, await DataPlaneHello.ReadAnswerAsync(stream, guard.Token));
        var coordinator = await harness.NextAcceptedAsync();
        var inbox = FrameInbox.Start(coordinator);

        var header = new byte[DataFrameHeader.Size];
        new DataFrameHeader(DataFrameKind.GradientSum, payloadLength, 1).Write(header);
        header[0] = (byte)kind;
        await stream.WriteAsync(header, guard.Token);

        Assert.Contains(problem, await coordinator.Completion.WaitAsync(DataPlaneHarness.HangGuard));
        await harness.ServerLog.WaitForAsync("Warning", "worker 'w1'", "malformed frame");
        Assert.Empty(inbox.Gated);
    }

    [Fact]
    public async Task FailingFrameHandler_ClosesTheConnection_AndIsLogged()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false);
        var (coordinator, worker) = await harness.ConnectPairAsync("w1");
        coordinator.StartReceiving(_ => FrameVerdict.Accept, _ => throw new InvalidOperationException("handler bug"));

        await worker.SendAsync(DataFrameKind.GradientSum, 1, new byte[8]);

        Assert.Contains("handler bug", await coordinator.Completion.WaitAsync(DataPlaneHarness.HangGuard));
        await harness.ServerLog.WaitForAsync("Error", "worker 'w1'");
    }
}
