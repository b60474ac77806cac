namespace ClusterMnist.Core.Imaging;

/// <summary>
/// A decoded image before normalisation: luminance in [0,1] (0 = black) row-major, and the alpha channel in [0,1]
/// when the file had one.
/// </summary>
internal sealed record Raster(int Width, int Height, float[] Luminance, float[]? Alpha)
{
    /// <summary>Largest image accepted, in pixels: far above any digit photo, far below an allocation problem.</summary>
    public const long MaxPixels = 40_000_000;
}
