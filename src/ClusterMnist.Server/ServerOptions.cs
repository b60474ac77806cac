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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxImagePixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrentDecodes);
    }
}
