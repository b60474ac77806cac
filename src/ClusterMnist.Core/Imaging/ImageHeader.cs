namespace ClusterMnist.Core.Imaging;

/// <summary>What an image's header declares, read without decoding its pixels.</summary>
/// <param name="Format">The format's name, e.g. PNG, JPEG, or CSV for a row of pixel values.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record ImageHeader(string Format, int Width, int Height)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;
}
