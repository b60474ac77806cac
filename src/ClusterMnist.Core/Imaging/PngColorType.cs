namespace ClusterMnist.Core.Imaging;

/// <summary>The PNG colour types this project reads and writes (all at 8 bits per sample).</summary>
public enum PngColorType : byte
{
    /// <summary>One grey sample per pixel.</summary>
    Grey = 0,

    /// <summary>Red, green, blue.</summary>
    Rgb = 2,

    /// <summary>Grey and alpha.</summary>
    GreyAlpha = 4,

    /// <summary>Red, green, blue and alpha.</summary>
    Rgba = 6,
}
