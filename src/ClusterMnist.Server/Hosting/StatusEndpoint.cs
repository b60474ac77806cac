using System.Text.Json;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Hosting;

/// <summary><c>GET /api/status</c>: members, training progress, configuration and the model being served.</summary>
internal sealed class StatusEndpoint(ServerOptions options, IClusterStatusSource status, IModelSnapshotSource models)
{
    public async Task HandleAsync(HttpContext context)
    {
        var cluster = status.GetStatus();
        var model = models.Current;
        var body = new StatusResponse(
            model is null ? null : new ServedModel(model.Spec.ToString(), model.Version, model.Step, model.Epoch),
            cluster.Progress, cluster.Members, cluster.Configuration, options.StatusPollMilliseconds);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, ServerJsonContext.Default.StatusResponse, context.RequestAborted)
            .ConfigureAwait(false);
    }
}
