using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Tests.Shared;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterMnist.Actors.Tests.Remoting;

/// <summary>
/// One node for the remoting tests: an actor system with remoting, and (for servers) a real Kestrel on 127.0.0.1
/// mapping "/cluster" to <see cref="RemotingNode.AcceptAsync"/> exactly as the coordinator host will.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    public const string Token = "s3cret-cluster-token";

    private TestNode(string name, RemotingOptions options, TimeProvider? time)
    {
        Logs = new RecordingLoggerFactory();
        System = new ActorSystem(name, new ActorSystemOptions(time, Logs));
        Remoting = new RemotingNode(System, options, TestCodecs.Create());
    }

    public ActorSystem System { get; }

    public RemotingNode Remoting { get; }

    public RecordingLoggerFactory Logs { get; }

    public Uri ClusterUri { get; private set; } = new("ws://127.0.0.1:1/cluster");

    private LoopbackClusterHost? _host;

    public static RemotingOptions Options(string token = Token) => new(token);

    public static TestNode Client(string name, RemotingOptions? options = null, TimeProvider? time = null) =>
        new(name, options ?? Options(), time);

    public static async Task<TestNode> ServerAsync(
        string name, RemotingOptions? options = null, TimeProvider? time = null, int port = 0, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var node = new TestNode(name, options ?? Options(), time);
        node._host = await LoopbackClusterHost.StartAsync(node.Remoting, port, listen => listen.Protocols = protocols);
        node.ClusterUri = node._host.ClusterUri;
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Remoting.DisposeAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await System.DisposeAsync();
    }
}
