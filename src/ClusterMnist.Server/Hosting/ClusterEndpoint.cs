using ClusterMnist.Actors.Remoting;
using Microsoft.AspNetCore.Http;

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
        await remoting.AcceptAsync(socket, peer, context.RequestAborted).ConfigureAwait(false);
    };
}
