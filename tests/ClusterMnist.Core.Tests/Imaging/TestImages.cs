using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ClusterMnist.Core.Tests.Imaging;

/// <summary>Writes test pictures with ImageSharp's encoders (the project's own PNG encoder is gone with its decoder).</summary>
public static class TestImages
{
    public static byte[] Grey(byte[] pixels, int width, int height, IImageEncoder? encoder = null)
    {
        using var image = Image.LoadPixelData<L8>(pixels, width, height);
        return Save(image, encoder ?? new PngEncoder());
    }

    public static byte[] Save<TPixel>(Image<TPixel> image, IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
