using System.IO.Pipelines;
using ClusterMnist.Actors;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Tests.Shared;

namespace ClusterMnist.Cluster.Tests.Remoting;

/// <summary>
/// One node of a loopback cluster: an actor system with remoting and the training codecs, and for the coordinator a
/// real Kestrel on 127.0.0.1 mapping "/cluster" to the remoting node, as the coordinator host does.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private const string Token = "cluster-test-token";

    private ClusterNode(string name)
    {
        Logs = new RecordingLoggerFactory();
        System = new ActorSystem(name, new ActorSystemOptions(LoggerFactory: Logs));
        Remoting = new RemotingNode(System, new RemotingOptions(Token), TrainingCodecs.Register(new MessageCodecRegistry()));
    }

    public ActorSystem System { get; }

    public RemotingNode Remoting { get; }

    public RecordingLoggerFactory Logs { get; }

    /// <summary>Bytes read and written by the server's connections (coordinator only).</summary>
    public ByteCounter WireBytes { get; } = new();

    public Uri ClusterUri { get; private set; } = new("ws://127.0.0.1:1/cluster");

    private LoopbackClusterHost? _host;

    public static ClusterNode Client(string name) => new(name);

    public static async Task<ClusterNode> ServerAsync(string name)
    {
        var node = new ClusterNode(name);
        node._host = await LoopbackClusterHost.StartAsync(node.Remoting, configure: listen => listen.Use(next => async connection =>
        {
            // Every byte of the TCP stream (HTTP upgrade, WebSocket framing, envelopes) passes through the counter.
            var transport = connection.Transport;
            var counted = new CountingStream(transport.Input.AsStream(), transport.Output.AsStream(), node.WireBytes);
            connection.Transport = new CountedPipe(PipeReader.Create(counted), PipeWriter.Create(counted));
            await next(connection);
        }));
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
        Logs.Dispose();
    }
}

/// <summary>A transport made of a counted reader and writer.</summary>
internal sealed record CountedPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
