using ClusterMnist.Core.Imaging;

namespace ClusterMnist.Server;

/// <summary>Limits and settings of the HTTP API.</summary>
public sealed record ServerOptions
{
    /// <summary>Largest prediction request body in bytes; larger ones get 413, with or without Content-Length.</summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Most images in one <c>{"images": [...]}</c> request.</summary>
    public int MaxBatchImages { get; init; } = 1024;

    /// <summary>How often the web page polls <c>/api/status</c>, in milliseconds.</summary>
    public int StatusPollMilliseconds { get; init; } = 1000;

    /// <summary>The data set the served model trains on, recorded in <c>/api/model.onnx</c>'s metadata; null when unknown.</summary>
    public string? Dataset { get; init; }

    /// <summary>Fingerprint of that training set, recorded beside it; null when unknown.</summary>
    public string? TrainFingerprint { get; init; }

    /// <summary>
    /// An OpenTelemetry collector to push the metrics to as well (OTLP; <c>…/v1/metrics</c> means OTLP/HTTP, a bare
    /// host and port gRPC); null exports through <c>/metrics</c> only.
    /// </summary>
    public Uri? OtlpEndpoint { get; init; }
    /// <summary>
    /// Largest uploaded picture, in pixels, read from its header before decoding; larger ones get 413. A few kilobytes of
    /// PNG can declare 40 million pixels, so the body limit alone does not bound the memory a decode takes.
    /// </summary>
    public long MaxImagePixels { get; init; } = DigitImage.DefaultMaxPixels;

    /// <summary>
    /// Pictures decoded at the same time; further uploads wait for a slot, so the decoders' memory (each within its
    /// budget) and CPU stay bounded however many arrive at once.
    /// </summary>
    public int MaxConcurrentDecodes { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBodyBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBatchImages);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(StatusPollMilliseconds);
        if (OtlpEndpoint is { } otlp && (!otlp.IsAbsoluteUri || (otlp.Scheme != Uri.UriSchemeHttp && otlp.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"The OTLP endpoint '{otlp}' must be an http:// or https:// address.", nameof(OtlpEndpoint));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxImagePixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrentDecodes);
    }
}
