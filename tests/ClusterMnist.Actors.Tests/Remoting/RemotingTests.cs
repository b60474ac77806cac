using System.Net;
using System.Runtime.InteropServices;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterMnist.Actors.Tests.Remoting;

public class RemotingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Tell_ReachesRemoteActors_AndSendersRouteBack_InBothDirections()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var serverProbe = new TestProbe(server.System, "inbox");
        using var clientProbe = new TestProbe(client.System);
        var worker = client.System.Spawn(Props.Create(() => new RecorderActor(clientProbe)), "worker");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        connection.ActorFor("/probe/inbox").Tell(new Work(7), worker);

        Assert.Equal(7, (await serverProbe.ExpectMessageAsync<Work>(Wait)).Number);
        Assert.Equal("/user/worker", serverProbe.LastSender!.Path);
        serverProbe.LastSender.Tell(new Work(42)); // server → client, through the sender reference
        Assert.Equal(42, (await clientProbe.ExpectMessageAsync<Work>(Wait)).Number);
        Assert.Equal("worker-1", Assert.Single(server.Remoting.Connections).RemoteNodeName);
        Assert.Equal("coordinator", connection.RemoteNodeName);
    }

    [Fact]
    public async Task Attachment_ArrivesIntact_AndItsOwnerIsToldOnceItIsSent_InBothDirections()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var serverProbe = new TestProbe(server.System, "tensors");
        using var clientProbe = new TestProbe(client.System, "tensors");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var back = Assert.Single(server.Remoting.Connections);
        var values = Enumerable.Range(0, 300_000).Select(i => i * 0.5f).ToArray(); // 1.2 MB: several WebSocket frames

        foreach (var (link, probe) in new[] { (connection, serverProbe), (back, clientProbe) })
        {
            var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            link.ActorFor("/probe/tensors").Tell(new AttachedTensorPayload(5, values, () => sent.SetResult()));

            var received = await probe.ExpectMessageAsync<AttachedTensorPayload>(Wait);
            Assert.Equal(5, received.Step);
            Assert.Equal(values, received.Values.ToArray());
            await sent.Task.WaitAsync(Wait); // SetResult twice would throw: the owner is told exactly once
        }
    }

    [Fact]
    public async Task Ask_GetsTheReplyOverTheSameConnection_InBothDirections()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var serverProbe = new TestProbe(server.System);
        using var clientProbe = new TestProbe(client.System);
        server.System.Spawn(Props.Create(() => new RecorderActor(serverProbe)), "echo");
        client.System.Spawn(Props.Create(() => new RecorderActor(clientProbe)), "echo");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        var fromServer = await connection.ActorFor("/user/echo").Ask<Echo>(new Echo("ping"), Wait);
        var back = Assert.Single(server.Remoting.Connections);
        var fromClient = await back.ActorFor("/user/echo").Ask<Echo>(new Echo("pong"), Wait);

        Assert.Equal("ping", fromServer.Text);
        Assert.Equal("pong", fromClient.Text);
    }

    [Fact]
    public async Task Ask_TimesOut_WhenTheRemoteActorDoesNotExist()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => connection.ActorFor("/user/nobody").Ask<Echo>(new Echo("?"), TimeSpan.FromMilliseconds(300)));

        Assert.Contains("/user/nobody", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_FailsWithConnectionClosed_WhenTheConnectionClosesBeforeTheReply()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var silent = new TestProbe(server.System, "silent");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var target = connection.ActorFor("/probe/silent");

        var pending = target.Ask<Echo>(new Echo("anyone?"), Wait);
        await silent.ExpectMessageAsync<Echo>(Wait);
        await connection.CloseAsync().WaitAsync(Wait);

        var error = await Assert.ThrowsAsync<RemoteConnectionClosedException>(() => pending.WaitAsync(Wait));
        Assert.Contains("/probe/silent", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RemoteConnectionClosedException>(() => target.Ask<Echo>(new Echo("after close"), Wait));
    }

    [Fact]
    public async Task LargeTensor_ArrivesBitExact_AcrossSeveralFrames()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        using var probe = new TestProbe(server.System, "gradients");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var values = new float[2 * 1024 * 1024]; // 8 MiB: eight 1 MiB frames
        var random = new Random(1234);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1) * MathF.Pow(10, random.Next(-30, 30));
        }

        values[0] = float.NaN;
        values[1] = -0f;
        values[2] = float.Epsilon;

        await connection.ActorFor("/probe/gradients").TellAsync(new TensorPayload(17, "W1", values));

        var received = await probe.ExpectMessageAsync<TensorPayload>(Wait);
        Assert.Equal(17, received.Step);
        Assert.Equal("W1", received.Name);
        Assert.True(MemoryMarshal.AsBytes(received.Values.Span).SequenceEqual(MemoryMarshal.AsBytes(values.AsSpan())));
    }

    [Fact]
    public async Task Tell_ThrowsNamingTheType_WhenNoCodecIsRegistered()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        var error = Assert.Throws<InvalidOperationException>(() => connection.ActorFor("/user/x").Tell(new GetCount()));

        Assert.Contains(nameof(GetCount), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WorksOverHttp2_WhenConfigured()
    {
        await using var server = await TestNode.ServerAsync("coordinator", protocols: HttpProtocols.Http2);
        var options = TestNode.Options() with { HttpVersion = HttpVersion.Version20, HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        await using var client = TestNode.Client("worker-1", options);
        server.System.Spawn(Props.Create(() => new RecorderActor(new TestProbe(server.System))), "echo");

        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);

        Assert.Equal("h2", (await connection.ActorFor("/user/echo").Ask<Echo>(new Echo("h2"), Wait)).Text);
    }
}
