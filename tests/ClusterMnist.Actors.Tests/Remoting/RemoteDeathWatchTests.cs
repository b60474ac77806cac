using ClusterMnist.Actors.Testing;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Tests.Remoting;

public class RemoteDeathWatchTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Watcher_GetsTerminated_WhenTheRemoteActorStops()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var serverProbe = new TestProbe(server.System);
        using var probe = new TestProbe(client.System);
        var target = server.System.Spawn(Props.Create(() => new RecorderActor(serverProbe)), "target");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var remoteTarget = connection.ActorFor("/user/target");

        probe.Watch(remoteTarget);
        await remoteTarget.Ask<Echo>(new Echo("watch registered"), Wait); // the WATCH frame went first on the same connection
        await server.System.Stop(target).WaitAsync(Wait);

        var terminated = await probe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(remoteTarget, terminated.Actor);
        Assert.Equal("stopped", terminated.Reason);
    }

    [Fact]
    public async Task Watcher_GetsTerminated_WhenTheRemoteActorDoesNotExist()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var probe = new TestProbe(client.System);
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        probe.Watch(connection.ActorFor("/user/ghost"));

        Assert.Equal("no such actor", (await probe.ExpectMessageAsync<Terminated>(Wait)).Reason);
    }

    [Fact]
    public async Task Watchers_OnBothSides_GetTerminated_WhenTheNodeDisconnects()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var serverProbe = new TestProbe(server.System);
        using var clientProbe = new TestProbe(client.System);
        server.System.Spawn(Props.Create(() => new RecorderActor(serverProbe)), "coordinator");
        client.System.Spawn(Props.Create(() => new RecorderActor(clientProbe)), "worker");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var coordinator = connection.ActorFor("/user/coordinator");
        var worker = Assert.Single(server.Remoting.Connections).ActorFor("/user/worker");
        clientProbe.Watch(coordinator);
        serverProbe.Watch(worker);

        await connection.CloseAsync("worker shutting down").WaitAsync(Wait);

        var onClient = await clientProbe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(coordinator, onClient.Actor);
        Assert.Contains("node coordinator disconnected", onClient.Reason, StringComparison.Ordinal);
        var onServer = await serverProbe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(worker, onServer.Actor);
        Assert.Contains("node worker-1 disconnected", onServer.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watcher_GetsTerminated_WhenTheRemoteNodeMissesHeartbeats()
    {
        // Each node has its own clock. The server's never moves, so it never sends a heartbeat: a hung process.
        var clientTime = new ManualTimeProvider();
        await using var server = await TestNode.ServerAsync("coordinator", time: new ManualTimeProvider());
        await using var client = TestNode.Client("worker-1", time: clientTime);
        using var probe = new TestProbe(client.System);
        server.System.Spawn(Props.Create(() => new RecorderActor(new TestProbe(server.System))), "coordinator");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var coordinator = connection.ActorFor("/user/coordinator");
        probe.Watch(coordinator);

        for (var second = 1; second <= 3; second++)
        {
            clientTime.Advance(TimeSpan.FromSeconds(1)); // within the 3 s deadline: heartbeats go out, nothing is closed
        }

        await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
        clientTime.Advance(TimeSpan.FromSeconds(1));

        var terminated = await probe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(coordinator, terminated.Actor);
        Assert.Contains("heartbeat missed", terminated.Reason, StringComparison.Ordinal);
        var line = await client.Logs.WaitForAsync(e => e.Message.StartsWith("No heartbeat from node coordinator", StringComparison.Ordinal), Wait);
        Assert.Equal(LogLevel.Warning, line.Level);
        await connection.Completion.WaitAsync(Wait);
    }

    [Fact]
    public async Task Heartbeats_KeepAnIdleConnectionOpen_PastTheDeadline()
    {
        // Real time: the deadline leaves room for a loaded machine to run a late timer (a 300 ms deadline
        // failed on a 2-core machine at load 11), and the idle wait still spans more than two deadlines.
        var options = TestNode.Options() with { HeartbeatInterval = TimeSpan.FromMilliseconds(100), HeartbeatTimeout = TimeSpan.FromMilliseconds(1500) };
        await using var server = await TestNode.ServerAsync("coordinator", options);
        await using var client = TestNode.Client("worker-1", options);
        server.System.Spawn(Props.Create(() => new RecorderActor(new TestProbe(server.System))), "echo");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        await Task.Delay(TimeSpan.FromSeconds(3.5));

        Assert.Null(connection.CloseReason);
        Assert.Equal("idle", (await connection.ActorFor("/user/echo").Ask<Echo>(new Echo("idle"), Wait)).Text);
    }

    [Fact]
    public async Task RemoteTell_WaitsForMailboxRoom_WithoutBlamingThePeerForMissedHeartbeats()
    {
        var serverTime = new ManualTimeProvider();
        await using var server = await TestNode.ServerAsync("coordinator", time: serverTime);
        await using var client = TestNode.Client("worker-1");
        using var probe = new TestProbe(server.System);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var opener = new GateOpener(gate); // disposed before the nodes
        server.System.Spawn(Props.Create(() => new GatedActor(gate, probe), mailboxCapacity: 1), "slow");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var slow = connection.ActorFor("/user/slow");

        for (var i = 0; i < 3; i++)
        {
            slow.Tell(new Work(i));
        }

        await probe.ExpectMessageAsync<Work>(Wait); // Work(0) is being processed, Work(1) fills the mailbox
        await Task.Delay(200); // let the server's receive loop reach Work(2) and wait for room
        for (var second = 0; second < 5; second++)
        {
            serverTime.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Null(Assert.Single(server.Remoting.Connections).CloseReason);
        gate.SetResult();
        Assert.Equal(1, (await probe.ExpectMessageAsync<Work>(Wait)).Number);
        Assert.Equal(2, (await probe.ExpectMessageAsync<Work>(Wait)).Number);
        Assert.Null(connection.CloseReason);
    }
}
