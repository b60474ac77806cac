using System.IO.Pipelines;
using System.Net;
using ClusterMnist.Actors;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using ClusterMnist.Cluster.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    private WebApplication? App { get; set; }

    public static ClusterNode Client(string name) => new(name);

    public static async Task<ClusterNode> ServerAsync(string name)
    {
        var node = new ClusterNode(name);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => async connection =>
        {
            // Every byte of the TCP stream (HTTP upgrade, WebSocket framing, envelopes) passes through the counter.
            var transport = connection.Transport;
            var counted = new CountingStream(transport.Input.AsStream(), transport.Output.AsStream(), node.WireBytes);
            connection.Transport = new CountedPipe(PipeReader.Create(counted), PipeWriter.Create(counted));
            await next(connection);
        })));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/cluster", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await node.Remoting.AcceptAsync(socket, $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}", context.RequestAborted);
        });
        await app.StartAsync();
        node.App = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        node.ClusterUri = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/cluster");
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await Remoting.DisposeAsync();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        await System.DisposeAsync();
        Logs.Dispose();
    }
}

/// <summary>A transport made of a counted reader and writer.</summary>
internal sealed record CountedPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
