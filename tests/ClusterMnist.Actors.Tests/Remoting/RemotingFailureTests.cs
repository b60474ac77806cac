using System.Net.WebSockets;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Actors.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Tests.Remoting;

public class RemotingFailureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Connect_IsRefusedWithAClearErrorAndBothSidesLog_WhenTheTokenIsWrong()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var intruder = TestNode.Client("intruder", TestNode.Options("not-the-token"));

        var error = await Assert.ThrowsAsync<ClusterHandshakeException>(() => intruder.Remoting.ConnectAsync(server.ClusterUri));

        Assert.Contains("cluster token", error.Message, StringComparison.Ordinal);
        var clientLine = Assert.Single(intruder.Logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("refused", clientLine.Message, StringComparison.Ordinal);
        Assert.Contains("cluster token mismatch", clientLine.Message, StringComparison.Ordinal);
        var serverLine = await server.Logs.WaitForAsync(e => e.Message.StartsWith("Refused node intruder", StringComparison.Ordinal), Wait);
        Assert.Equal(LogLevel.Warning, serverLine.Level);
        Assert.Contains("cluster token mismatch", serverLine.Message, StringComparison.Ordinal);
        Assert.Empty(server.Remoting.Connections);
        Assert.DoesNotContain(server.Logs.Entries, e => e.Message.Contains(TestNode.Token, StringComparison.Ordinal));

        await using var worker = TestNode.Client("worker-1");
        await worker.Remoting.ConnectAsync(server.ClusterUri); // the node still admits the right token
    }

    [Fact]
    public async Task OversizedMessage_ClosesOnlyThatConnection_AndTheNodeKeepsServing()
    {
        var small = TestNode.Options() with { MaxMessageSize = 1024 * 1024 };
        await using var server = await TestNode.ServerAsync("coordinator", small);
        server.System.Spawn(Props.Create(() => new RecorderActor(new TestProbe(server.System))), "echo");
        await using var big = TestNode.Client("big-sender");
        await using var good = TestNode.Client("worker-1");
        var bigConnection = await big.Remoting.ConnectAsync(server.ClusterUri);
        var goodConnection = await good.Remoting.ConnectAsync(server.ClusterUri);

        bigConnection.ActorFor("/user/echo").Tell(new TensorPayload(1, "too big", new float[512 * 1024]));

        await bigConnection.Completion.WaitAsync(Wait);
        Assert.Contains("MessageTooBig", bigConnection.CloseReason, StringComparison.Ordinal);
        var line = await server.Logs.WaitForAsync(e => e.Message.Contains("exceeds the 1048576-byte limit", StringComparison.Ordinal), Wait);
        Assert.Contains("big-sender", line.Message, StringComparison.Ordinal);
        Assert.Equal("still here", (await goodConnection.ActorFor("/user/echo").Ask<Echo>(new Echo("still here"), Wait)).Text);
    }

    [Fact]
    public async Task GarbageFrame_ClosesOnlyThatConnection_AndTheNodeKeepsServing()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        server.System.Spawn(Props.Create(() => new RecorderActor(new TestProbe(server.System))), "echo");
        await using var good = TestNode.Client("worker-1");
        var goodConnection = await good.Remoting.ConnectAsync(server.ClusterUri);
        using var raw = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(Wait);
        await raw.ConnectAsync(server.ClusterUri, deadline.Token);
        var hello = new Envelope { Kind = EnvelopeKind.Hello, Payload = new Hello { Token = TestNode.Token, Node = "garbler", Protocol = 1 }.ToByteString() };
        await raw.SendAsync(hello.ToByteArray(), WebSocketMessageType.Binary, true, deadline.Token);
        var buffer = new byte[4096];
        var welcome = await raw.ReceiveAsync(buffer, deadline.Token);
        Assert.Equal(EnvelopeKind.Welcome, Envelope.Parser.ParseFrom(buffer, 0, welcome.Count).Kind);

        await raw.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, WebSocketMessageType.Binary, true, deadline.Token);

        var closing = await raw.ReceiveAsync(buffer, deadline.Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, raw.CloseStatus);
        var line = await server.Logs.WaitForAsync(e => e.Message.Contains("failed to parse", StringComparison.Ordinal), Wait);
        Assert.Contains("garbler", line.Message, StringComparison.Ordinal);
        Assert.Equal("alive", (await goodConnection.ActorFor("/user/echo").Ask<Echo>(new Echo("alive"), Wait)).Text);
    }

    [Fact]
    public async Task UnknownMessageType_ClosesThatConnection_AndIsLogged()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        using var raw = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(Wait);
        await raw.ConnectAsync(server.ClusterUri, deadline.Token);
        var hello = new Envelope { Kind = EnvelopeKind.Hello, Payload = new Hello { Token = TestNode.Token, Node = "stranger", Protocol = 1 }.ToByteString() };
        await raw.SendAsync(hello.ToByteArray(), WebSocketMessageType.Binary, true, deadline.Token);
        var buffer = new byte[4096];
        await raw.ReceiveAsync(buffer, deadline.Token);

        var unknown = new Envelope { Target = "/user/echo", Type = "no.such.Type", Payload = ByteString.CopyFromUtf8("x") };
        await raw.SendAsync(unknown.ToByteArray(), WebSocketMessageType.Binary, true, deadline.Token);

        Assert.Equal(WebSocketMessageType.Close, (await raw.ReceiveAsync(buffer, deadline.Token)).MessageType);
        await server.Logs.WaitForAsync(e => e.Message.Contains("no codec is registered for message type 'no.such.Type'", StringComparison.Ordinal), Wait);
    }

    [Fact]
    public async Task Accept_ClosesTheSocket_WhenTheFirstFrameIsNotAHello()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        using var raw = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(Wait);
        await raw.ConnectAsync(server.ClusterUri, deadline.Token);

        await raw.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, deadline.Token);

        var buffer = new byte[256];
        Assert.Equal(WebSocketMessageType.Close, (await raw.ReceiveAsync(buffer, deadline.Token)).MessageType);
        Assert.Equal(WebSocketCloseStatus.ProtocolError, raw.CloseStatus);
        await server.Logs.WaitForAsync(e => e.Message.StartsWith("Bad handshake", StringComparison.Ordinal), Wait);
    }
}
