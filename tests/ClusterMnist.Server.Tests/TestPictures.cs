using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ClusterMnist.Server.Tests;

/// <summary>Greyscale test pictures written with ImageSharp's encoders.</summary>
internal static class TestPictures
{
    public static byte[] Grey(byte[] pixels, int width, int height, IImageEncoder? encoder = null)
    {
        using var image = Image.LoadPixelData<L8>(pixels, width, height);
        using var stream = new MemoryStream();
        image.Save(stream, encoder ?? new PngEncoder());
        return stream.ToArray();
    }
}
