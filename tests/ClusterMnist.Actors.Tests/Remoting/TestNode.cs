using System.Net;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Actors.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    private WebApplication? App { get; set; }

    public static RemotingOptions Options(string token = Token) => new(token);

    public static TestNode Client(string name, RemotingOptions? options = null, TimeProvider? time = null) =>
        new(name, options ?? Options(), time);

    public static async Task<TestNode> ServerAsync(
        string name, RemotingOptions? options = null, TimeProvider? time = null, int port = 0, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var node = new TestNode(name, options ?? Options(), time);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = protocols));
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
            var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
            await node.Remoting.AcceptAsync(socket, remote, context.RequestAborted);
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
    }
}
