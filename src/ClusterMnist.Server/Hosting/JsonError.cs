using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Hosting;

/// <summary>Every API error is <c>{"error": "what is wrong"}</c> with the matching status code.</summary>
internal static class JsonError
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string message)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("error"u8, message);
            writer.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
