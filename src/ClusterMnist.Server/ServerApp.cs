using ClusterMnist.Server.Export;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Prediction;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClusterMnist.Server;

/// <summary>
/// Maps the coordinator's HTTP surface onto an existing Kestrel app (the coordinator's, beside its cluster socket
/// endpoint): <c>POST /api/predict</c>, <c>GET /api/status</c>, <c>GET /api/model.onnx</c>, <c>GET /metrics</c>, <c>GET /healthz</c>,
/// <c>GET /readyz</c> and the web page at <c>/</c>.
/// </summary>
public static class ServerApp
{
    /// <summary>
    /// Adds the endpoints to <paramref name="endpoints"/>; the app's services need
    /// <see cref="ClusterMnistMetrics.AddClusterMnistMetrics"/> (and routing).
    /// </summary>
    /// <exception cref="InvalidOperationException">The metrics services are not registered.</exception>
    public static IEndpointRouteBuilder MapClusterMnist(
        this IEndpointRouteBuilder endpoints, ServerOptions options, IModelSnapshotSource models, IClusterStatusSource status)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(status);
        options.Validate();

        var predictionMetrics = ClusterMnistMetrics.CreateInstruments(endpoints.ServiceProvider, status, models);
        var predict = new PredictEndpoint(options, models, predictionMetrics);
        var statusEndpoint = new StatusEndpoint(options, status, models);
        endpoints.MapPost("/api/predict", predict.HandleAsync);
        endpoints.MapGet("/api/status", statusEndpoint.HandleAsync);
        endpoints.MapGet("/api/model.onnx", new OnnxModelEndpoint(models, options).HandleAsync);
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        endpoints.MapGet("/healthz", context => WriteHealthAsync(context, StatusCodes.Status200OK, "alive"));
        endpoints.MapGet("/readyz", context => models.Current is null
            ? WriteHealthAsync(context, StatusCodes.Status503ServiceUnavailable, "no model is being served yet")
            : WriteHealthAsync(context, StatusCodes.Status200OK, "ready"));
        StaticPages.Map(endpoints, EmbeddedAssets.Load());
        return endpoints;
    }

    private static Task WriteHealthAsync(HttpContext context, int statusCode, string text)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }
}
