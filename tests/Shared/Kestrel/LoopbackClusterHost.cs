using System.Net;
using ClusterMnist.Actors.Remoting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Tests.Shared;

/// <summary>
/// A real Kestrel on 127.0.0.1 mapping "/cluster" to <see cref="RemotingNode.AcceptAsync"/>, as the coordinator
/// host does, for the remoting and cluster tests (linked into the test projects that reference ASP.NET Core).
/// </summary>
internal sealed class LoopbackClusterHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackClusterHost(WebApplication app, Uri clusterUri)
    {
        _app = app;
        ClusterUri = clusterUri;
    }

    /// <summary>ws://127.0.0.1:PORT/cluster.</summary>
    public Uri ClusterUri { get; }

    /// <summary>Starts the host; <paramref name="configure"/> may set protocols or add connection middleware.</summary>
    public static async Task<LoopbackClusterHost> StartAsync(RemotingNode remoting, int port = 0, Action<ListenOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => configure?.Invoke(listen)));
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
            await remoting.AcceptAsync(socket, remote, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackClusterHost(app, new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/cluster"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
