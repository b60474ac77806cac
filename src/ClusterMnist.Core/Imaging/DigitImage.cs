namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Loads a picture of one digit for <c>predict</c> and <c>/api/predict</c>: any format ImageSharp reads (PNG, JPEG,
/// BMP, GIF, TIFF, WebP, TGA, PBM/PGM/PPM) or a CSV row of 784 values, normalised to MNIST's form by
/// <see cref="DigitNormalizer"/>. Pictures over a pixel budget are refused from their header, before decoding.
/// </summary>
public static class DigitImage
{
    /// <summary>Default pixel budget: 4,096 × 4,096, room for a phone photo of a digit.</summary>
    public const long DefaultMaxPixels = 4096L * 4096;

    /// <summary>Reads <paramref name="path"/> and returns 784 floats in [0,1]: a 28×28 white-on-black digit.</summary>
    /// <exception cref="ImageFormatException">Missing, not a regular file, too large, unreadable, unsupported or blank.</exception>
    public static float[] Load(string path) => Decode(ImageFile.ReadAll(path), path);

    /// <summary>
    /// Reads only the header of <paramref name="data"/>: its format and size, checked against <paramref name="maxPixels"/>.
    /// Cheap, so a server can refuse an oversized image before it waits for a decoding slot.
    /// </summary>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="ImageFormatException">Empty, unsupported or an unreadable header.</exception>
    public static ImageHeader Inspect(ReadOnlySpan<byte> data, string source = "image", long maxPixels = DefaultMaxPixels)
    {
        if (RasterDecoder.Detect(data) is { } format)
        {
            return RasterDecoder.Identify(data, format, source, maxPixels);
        }

        return LooksLikeCsv(data) ? new ImageHeader("CSV", DigitNormalizer.Side, DigitNormalizer.Side) : throw Unsupported(data, source);
    }

    /// <summary>As <see cref="Load"/>, for bytes already in memory (an upload); <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="ImageTooLargeException">Over <paramref name="maxPixels"/> pixels, or over the decoder's memory budget.</exception>
    /// <exception cref="ImageFormatException">Unreadable, unsupported or blank.</exception>
    public static float[] Decode(ReadOnlySpan<byte> data, string source = "image", long maxPixels = DefaultMaxPixels)
    {
        Raster raster;
        if (RasterDecoder.Detect(data) is { } format)
        {
            raster = RasterDecoder.Decode(data, format, source, maxPixels);
        }
        else if (LooksLikeCsv(data))
        {
            raster = CsvDigitRow.Decode(data, source);
        }
        else
        {
            throw Unsupported(data, source);
        }

        return DigitNormalizer.Normalize(raster, source);
    }

    private static ImageFormatException Unsupported(ReadOnlySpan<byte> data, string source) => data.IsEmpty
        ? new ImageFormatException(source, "the file is empty.")
        : new ImageFormatException(source, $"not a supported image: expected {RasterDecoder.FormatNames}, or a CSV row of 784 pixel values.");

    private static bool LooksLikeCsv(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> head = data[..Math.Min(data.Length, 4096)];
        return head.Contains((byte)',') && !head.ContainsAnyInRange((byte)0, (byte)8);
    }
}
