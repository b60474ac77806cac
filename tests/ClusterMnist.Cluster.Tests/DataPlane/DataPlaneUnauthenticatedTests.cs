using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>No parallel tests around these: they assert on the memory this process allocates.</summary>
[CollectionDefinition(nameof(DataPlaneUnauthenticatedTests), DisableParallelization = true)]
public sealed class DataPlaneUnauthenticatedCollection;

/// <summary>
/// What an unauthenticated peer can make the server do: read a bounded hello, wait a bounded time, hold a bounded
/// number of sockets. Never allocate what a length field asks for.
/// </summary>
[Collection(nameof(DataPlaneUnauthenticatedTests))]
public sealed class DataPlaneUnauthenticatedTests
{
    // Far below what honouring any of the lengths sent here would cost (1 GB and more), far above the noise of the
    // runtime and the test framework.
    private const long AllocationBound = 32L << 20;

    public static TheoryData<string> Garbage => ["frame header claiming 2 GB", "hello claiming a 255-byte worker id", "random bytes"];

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task HelloReader_ReadsABoundedNumberOfBytes_WhateverItIsSent(string garbage)
    {
        var stream = new MemoryStream(Bytes(garbage, 16 << 20));

        await Assert.ThrowsAsync<InvalidDataException>(() => DataPlaneHello.ReadAsync(stream, CancellationToken.None));

        Assert.InRange(stream.Position, 1, DataPlaneHello.MaxBytes);
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task GarbageBeforeAuthentication_IsClosed_WithoutAllocatingWhatItAsks(string garbage)
    {
        foreach (bool encrypted in new[] { false, true })
        {
            await using var harness = DataPlaneHarness.Start(encrypted);
            harness.Server.Authorize("w1");
            byte[] payload = Bytes(garbage, 8 << 20);
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

            using (var tcp = new TcpClient())
            {
                using var guard = new CancellationTokenSource(DataPlaneHarness.HangGuard);
                await tcp.ConnectAsync("127.0.0.1", harness.Port, guard.Token);
                var stream = tcp.GetStream();
                try
                {
                    // The server stops reading and closes long before 8 MB have gone, so this write fails or
                    // fills the socket buffers; either way the server must answer nothing and close.
                    await stream.WriteAsync(payload, guard.Token);
                    Assert.Equal(0, await stream.ReadAsync(new byte[64], guard.Token));
                }
                catch (IOException)
                {
                }

                await harness.ServerLog.WaitForAsync("Warning", "closed 127.0.0.1", "before authentication");
            }

            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            Assert.True(allocated < AllocationBound, $"{garbage}, TLS {encrypted}: the server allocated {allocated:N0} bytes for a stranger");
            Assert.Equal(0, harness.AcceptedCount);
            await harness.AssertStillServesAsync();
        }
    }

    [Fact]
    public async Task SilentPeer_IsClosedAfterTheHandshakeTimeout()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true, s => s with { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        using var guard = new CancellationTokenSource(DataPlaneHarness.HangGuard);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", harness.Port, guard.Token);

        Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[16], guard.Token));

        await harness.ServerLog.WaitForAsync("closed 127.0.0.1", "no complete TLS handshake within 1 s");
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task ConnectionsBeyondThePendingLimit_AreClosedOnArrival()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false, s => s with { MaxPendingHandshakes = 2 });
        using var guard = new CancellationTokenSource(DataPlaneHarness.HangGuard);
        using var idle1 = new TcpClient();
        using var idle2 = new TcpClient();
        await idle1.ConnectAsync("127.0.0.1", harness.Port, guard.Token);
        await idle2.ConnectAsync("127.0.0.1", harness.Port, guard.Token);
        using (var third = new TcpClient())
        {
            await third.ConnectAsync("127.0.0.1", harness.Port, guard.Token);
            Assert.Equal(0, await third.GetStream().ReadAsync(new byte[16], guard.Token));
        }

        await harness.ServerLog.WaitForAsync("refused 127.0.0.1", "2 connections are already in their handshake");

        // Once the idle strangers leave, their places are free again (the server frees a place before it logs).
        string[] idlers = [.. new[] { idle1, idle2 }.Select(idle => $"closed 127.0.0.1:{((IPEndPoint)idle.Client.LocalEndPoint!).Port} ")];
        idle1.Dispose();
        idle2.Dispose();
        foreach (string idler in idlers)
        {
            await harness.ServerLog.WaitForAsync(idler, "connection lost during the hello");
        }

        Assert.Equal(0, harness.Server.PendingHandshakes);
        await harness.AssertStillServesAsync();
    }

    private static byte[] Bytes(string garbage, int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        switch (garbage)
        {
            case "frame header claiming 2 GB":
                new DataFrameHeader(DataFrameKind.GradientSum, int.MaxValue, 1).Write(bytes);
                break;
            case "hello claiming a 255-byte worker id":
                DataPlaneHello.Encode("w1", new byte[DataPlaneHello.TicketBytes]).AsSpan(0, DataPlaneHello.FixedBytes).CopyTo(bytes);
                bytes[5] = 255;
                break;
            default:
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0xDEADBEEF);
                break;
        }

        return bytes;
    }
}
