namespace ClusterMnist.Core.Imaging;

/// <summary>
/// A decoded image before normalisation: luminance in [0,1] (0 = black) row-major, and the alpha channel in [0,1]
/// when the file had a transparent pixel.
/// </summary>
internal sealed record Raster(int Width, int Height, float[] Luminance, float[]? Alpha);
