using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>What the coordinator's <c>POST /api/predict</c> answered for one image.</summary>
internal sealed record RemotePrediction(int Digit, float[] Probabilities, long ModelVersion, long Step);

/// <summary>The server answered one image with an error status; the message is the server's own <c>{"error"}</c> text.</summary>
internal sealed class RemotePredictionException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// `predict --server`: sends each image as <c>{"pixels": [...]}</c> (already decoded and normalised here by
/// DigitImage) to a running coordinator. A refused connection, an unknown host or a timeout ends the command
/// (every other image would fail the same way); an error status fails only that image.
/// </summary>
internal sealed class PredictClient : IDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _server;

    public PredictClient(Uri server, TimeSpan timeout)
    {
        _server = server;
        _client = new HttpClient { Timeout = timeout };
    }

    /// <summary>An absolute http(s) URL; the API lives under it at <c>api/predict</c>.</summary>
    public static Uri ParseServer(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw CliException.Usage($"bad --server '{text}': give the coordinator's address, e.g. http://localhost:8080");
        }

        // The endpoint itself, copied from the README's curl lines, means its coordinator.
        if (uri.AbsolutePath.TrimEnd('/').EndsWith("/api/predict", StringComparison.OrdinalIgnoreCase))
        {
            uri = new Uri(uri, uri.AbsolutePath.TrimEnd('/')[..^"api/predict".Length]);
        }

        // A base without a trailing slash would lose its last path segment when api/predict is appended.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }

    public async Task<RemotePrediction> PredictAsync(float[] pixels, CancellationToken cancellationToken)
    {
        var url = new Uri(_server, "api/predict");
        using var content = new ByteArrayContent(PixelsJson(pixels));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _client.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            string reason = e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                ? "connection refused (is the coordinator running, and on this port?)"
                : e.Message.TrimEnd('.');
            throw new CliException($"cannot reach the server at {_server}: {reason}.", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"the server at {_server} did not answer within {_client.Timeout.TotalSeconds:0} s.", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                string hint = response.StatusCode == HttpStatusCode.NotFound
                    ? $" ({url} does not exist there: is --server the coordinator's address, e.g. http://localhost:8080?)"
                    : string.Empty;
                throw new RemotePredictionException(
                    response.StatusCode, $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body)}{hint}");
            }

            return Parse(body);
        }
    }

    public void Dispose() => _client.Dispose();

    private static byte[] PixelsJson(float[] pixels)
    {
        using var buffer = new MemoryStream((pixels.Length * 12) + 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("pixels"u8);
            foreach (float p in pixels)
            {
                // Shortest round-trip text: the server reads back exactly the floats DigitImage produced here.
                writer.WriteNumberValue(p);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static RemotePrediction Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return new RemotePrediction(
                root.GetProperty("digit").GetInt32(),
                root.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray(),
                root.GetProperty("modelVersion").GetInt64(),
                root.GetProperty("step").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CliException($"the server's answer is not a prediction ({e.Message}): {Shorten(body)}", e);
        }
    }

    // The API's errors are {"error": "..."}; anything else (a proxy's HTML page) is shown shortened.
    private static string ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
        }

        return body.Length == 0 ? "(empty body)" : Shorten(body);
    }

    private static string Shorten(string text)
    {
        string line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}
