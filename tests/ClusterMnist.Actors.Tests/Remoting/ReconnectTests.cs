using System.Net;
using System.Net.Sockets;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Tests.Remoting;

public class ReconnectTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public void DelayAfter_GrowsExponentially_AndIsCapped()
    {
        var policy = new ReconnectPolicy(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3));

        var delays = Enumerable.Range(1, 6).Select(policy.DelayAfter).ToArray();

        Assert.Equal(
            new[] { 0.5, 1, 2, 3, 3, 3 }.Select(TimeSpan.FromSeconds),
            delays);
        Assert.Equal(TimeSpan.FromSeconds(3), policy.DelayAfter(10_000));
    }

    [Fact]
    public async Task ConnectWithRetry_BacksOffOnTheClock_AndConnectsOnceTheCoordinatorIsUp()
    {
        var port = FreeLoopbackPort();
        var time = new ManualTimeProvider();
        await using var client = TestNode.Client("worker-1", time: time);
        var uri = new Uri($"ws://127.0.0.1:{port}/cluster");
        var policy = new ReconnectPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));

        var connecting = client.Remoting.ConnectWithRetryAsync(uri, policy);
        var first = await client.Logs.WaitForAsync(e => e.Message.Contains("(attempt 1)", StringComparison.Ordinal), Wait);
        Assert.Equal(LogLevel.Warning, first.Level);
        Assert.Contains("retrying in 00:00:01", first.Message, StringComparison.Ordinal);
        await WaitForTimerAsync(time);
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await client.Logs.WaitForAsync(e => e.Message.Contains("(attempt 2)", StringComparison.Ordinal), Wait);
        Assert.Contains("retrying in 00:00:02", second.Message, StringComparison.Ordinal);
        Assert.False(connecting.IsCompleted);

        await using var server = await TestNode.ServerAsync("coordinator", port: port);
        await WaitForTimerAsync(time);
        time.Advance(TimeSpan.FromSeconds(2));

        var connection = await connecting.WaitAsync(Wait);
        Assert.Equal("coordinator", connection.RemoteNodeName);
    }

    [Fact]
    public async Task ConnectWithRetry_DoesNotRetry_WhenTheTokenIsRefused()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1", TestNode.Options("wrong"));

        await Assert.ThrowsAsync<ClusterHandshakeException>(() => client.Remoting.ConnectWithRetryAsync(server.ClusterUri).WaitAsync(Wait));

        Assert.DoesNotContain(client.Logs.Entries, e => e.Message.Contains("retrying", StringComparison.Ordinal));
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The backoff delay is armed just after the warning is logged; advancing before that would be lost.</summary>
    private static async Task WaitForTimerAsync(ManualTimeProvider time)
    {
        using var deadline = new CancellationTokenSource(Wait);
        while (time.ActiveTimerCount == 0)
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
