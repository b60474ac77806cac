using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClusterMnist.Server.Hosting;

/// <summary>Serves the embedded page: <c>/</c> is <c>index.html</c>, every other asset under its own path.</summary>
internal static class StaticPages
{
    // Everything the page uses comes from this origin; the policy makes any stray external URL fail loudly in the browser.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder endpoints, EmbeddedAssets assets)
    {
        foreach (var (path, asset) in assets.ByPath)
        {
            endpoints.MapGet(path, context => ServeAsync(context, asset));
            if (path == "/index.html")
            {
                endpoints.MapGet("/", context => ServeAsync(context, asset));
            }
        }
    }

    private static Task ServeAsync(HttpContext context, EmbeddedAssets.Asset asset)
    {
        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        // Revalidate every time: cheap with the ETag, and a new coordinator build never serves a stale script.
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        }

        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Bytes.Length;
        return response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
    }
}
