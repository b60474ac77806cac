using ClusterMnist.Actors.Remoting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterMnist.Server.Hosting;

/// <summary>
/// The cluster socket: upgrades the request to a WebSocket and hands it to the remoting node, which checks the
/// cluster token in its handshake and serves the connection until it closes.
/// </summary>
internal static class ClusterEndpoint
{
    public static RequestDelegate Handle(RemotingNode remoting) => async context =>
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("this endpoint takes the cluster's WebSocket connections only\n", context.RequestAborted)
                .ConfigureAwait(false);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        string peer = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        // Only the server's shutdown should close the connection as "shutting down". RequestAborted also fires when
        // the peer vanishes (a killed worker), which the connection itself reports as lost, with the real reason.
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await remoting.AcceptAsync(socket, peer, stopping).ConfigureAwait(false);
    };
}
