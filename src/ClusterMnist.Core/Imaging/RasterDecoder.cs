using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Decodes every format ImageSharp 2.1 reads (PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM/PGM/PPM) into a
/// <see cref="Raster"/>, on the terms of a network-facing path: the header's dimensions are read first and an image
/// over the pixel budget is refused before any pixel is decoded; the decode itself runs on one thread within a memory
/// budget (<see cref="DecodeBudgetAllocator"/>); only the first frame of an animation or a multi-page file is decoded;
/// metadata is skipped except a JPEG's EXIF orientation, so a phone photo comes out upright. Whatever a decoder throws
/// on damaged bytes becomes an <see cref="ImageFormatException"/> naming the format, and so does a Netpbm or uncompressed
/// BMP file shorter than its header declares, which ImageSharp would decode with the missing pixels filled in.
/// </summary>
internal static class RasterDecoder
{
    /// <summary>
    /// Memory one decode may use per pixel of the budget. Measured on 4096 × 4096 images decoded to 2 bytes a pixel:
    /// PNG, BMP, GIF, TIFF and JPEG (4:2:0 and 4:4:4) allocate 2–4 bytes a pixel, lossy WebP 6.4; 12 leaves room for
    /// progressive JPEG, which keeps every coefficient, and for the EXIF rotation's second buffer.
    /// </summary>
    public const int BudgetBytesPerPixel = 12;

    // Rasters are handed to the normaliser at most this wide and tall: the digit ends up 20 × 20, so averaging blocks
    // of a larger picture first loses nothing, and a 4096 × 4096 photo does not become 130 MB of floats.
    private const int MaxRasterSide = 1024;

    private static readonly Configuration Formats = CreateConfiguration();

    /// <summary>The format <paramref name="data"/> starts like, or null when it is none ImageSharp reads.</summary>
    public static IImageFormat? Detect(ReadOnlySpan<byte> data) => Image.DetectFormat(Formats, data);

    /// <summary>The names of the formats read, for messages.</summary>
    public static string FormatNames => "PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM/PGM/PPM";

    /// <summary>Reads the header of <paramref name="data"/> (a <paramref name="format"/> image) and checks it against the budget.</summary>
    /// <exception cref="ImageTooLargeException">More than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="ImageFormatException">The header cannot be read.</exception>
    public static unsafe ImageHeader Identify(ReadOnlySpan<byte> data, IImageFormat format, string source, long maxPixels)
    {
        RefuseBigTiff(data, format, source);
        fixed (byte* bytes = data)
        {
            using var stream = new UnmanagedMemoryStream(bytes, data.Length);
            return Identify(stream, format, source, maxPixels);
        }
    }

    /// <summary>
    /// Decodes <paramref name="data"/> after <see cref="Identify(ReadOnlySpan{byte}, IImageFormat, string, long)"/>, within
    /// <paramref name="budgetBytes"/> of decoder memory (default <see cref="BudgetBytesPerPixel"/> per pixel of the budget).
    /// </summary>
    /// <exception cref="ImageTooLargeException">Over the pixel budget, or decoding needs more memory than its budget.</exception>
    /// <exception cref="ImageFormatException">Damaged or unsupported.</exception>
    public static unsafe Raster Decode(ReadOnlySpan<byte> data, IImageFormat format, string source, long maxPixels, long? budgetBytes = null)
    {
        RefuseBigTiff(data, format, source);
        fixed (byte* bytes = data)
        {
            using var stream = new UnmanagedMemoryStream(bytes, data.Length);
            var header = Identify(stream, format, source, maxPixels);
            RefuseTruncated(data, format, header, source);
            stream.Position = 0;
            var configuration = Formats.Clone();
            configuration.MemoryAllocator = new DecodeBudgetAllocator(budgetBytes ?? maxPixels * BudgetBytesPerPixel);
            try
            {
                using var image = Image.Load<La16>(configuration, stream);
                if ((long)image.Width * image.Height > maxPixels)
                {
                    throw TooLarge(source, header with { Width = image.Width, Height = image.Height }, maxPixels);
                }

                if (Orientation(image.Metadata) is not (null or 1))
                {
                    image.Mutate(operations => operations.AutoOrient());
                }

                return ToRaster(image);
            }
            catch (Exception e) when (FindBudgetExceeded(e) is { } budget)
            {
                throw new ImageTooLargeException(
                    source, $"decoding this {header.Format} image needs more than its memory budget of {budget.BudgetBytes / (1 << 20):N0} MiB.", e);
            }
            catch (Exception e) when (e is not (ImageFormatException or OperationCanceledException))
            {
                throw NotValid(source, header.Format, e);
            }
        }
    }

    private static ImageHeader Identify(Stream stream, IImageFormat format, string source, long maxPixels)
    {
        string name = NameOf(format);
        IImageInfo? info;
        try
        {
            info = Image.Identify(Formats, stream);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw NotValid(source, name, e);
        }

        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            throw new ImageFormatException(source, $"not a valid {name} image: its header gives no size.");
        }

        var header = new ImageHeader(name, info.Width, info.Height);
        return header.Pixels > maxPixels ? throw TooLarge(source, header, maxPixels) : header;
    }

    /// <summary>
    /// ImageSharp 2.1's Netpbm and uncompressed-BMP decoders fill what a cut-off file lacks instead of failing, so for those
    /// two the file's length is checked by hand against what its header declares.
    /// </summary>
    private static void RefuseTruncated(ReadOnlySpan<byte> data, IImageFormat format, ImageHeader header, string source)
    {
        if (format is PbmFormat)
        {
            NetpbmLayout.RefuseIncomplete(data, header, source);
        }
        else if (format is BmpFormat)
        {
            BmpLayout.RefuseIncomplete(data, source);
        }
    }

    private static ImageTooLargeException TooLarge(string source, ImageHeader header, long maxPixels) => new(
        source, $"the {header.Format} image is {header.Width:N0} × {header.Height:N0} = {header.Pixels:N0} pixels; "
        + $"images of more than {maxPixels:N0} pixels (e.g. 4,096 × 4,096) are refused before decoding.");

    // The BCL's inflater explains damage in terms of zip archives ("The archive entry was compressed using an
    // unsupported compression method"), which means nothing to someone uploading a picture.
    private static ImageFormatException NotValid(string source, string format, Exception e) => new(
        source,
        e is InvalidDataException
            ? $"not a valid {format} image: its compressed data cannot be inflated (damaged, or zlib settings the format does not allow)."
            : $"not a valid {format} image: {OneLine(e.Message)}",
        e);

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim().TrimEnd('.') + ".";

    private static DecodeBudgetExceededException? FindBudgetExceeded(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is DecodeBudgetExceededException budget)
            {
                return budget;
            }
        }

        return null;
    }

    /// <summary>
    /// BigTIFF (version 43 instead of 42) is refused: ImageSharp 2.1.13 trusts its 64-bit directory entry count and can
    /// loop on a small malformed file (CVE-2026-106116, fixed only in 4.1.2). Ordinary TIFF is read.
    /// </summary>
    private static void RefuseBigTiff(ReadOnlySpan<byte> data, IImageFormat format, string source)
    {
        bool bigTiff = data.Length >= 4
            && ((data[0] == 'I' && data[1] == 'I' && data[2] == 43 && data[3] == 0) || (data[0] == 'M' && data[1] == 'M' && data[2] == 0 && data[3] == 43));
        if (format is TiffFormat && bigTiff)
        {
            throw new ImageFormatException(source, "BigTIFF files are not accepted; save the image as an ordinary TIFF, PNG or JPEG.");
        }
    }

    private static ushort? Orientation(ImageMetadata metadata) => metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value;

    /// <summary>
    /// Luminance and alpha as floats, averaged over k × k blocks when the picture is larger than
    /// <see cref="MaxRasterSide"/>. Luminance is averaged weighted by alpha, so compositing the averages on white gives
    /// exactly the average of the composited pixels, which is what the normaliser computes.
    /// </summary>
    private static Raster ToRaster(Image<La16> image)
    {
        int block = (Math.Max(image.Width, image.Height) + MaxRasterSide - 1) / MaxRasterSide;
        int width = (image.Width + block - 1) / block, height = (image.Height + block - 1) / block;
        var luminance = new float[width * height];
        var alpha = new float[width * height];
        var weights = new int[width * height];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<La16> row = rows.GetRowSpan(y);
                int outRow = y / block * width;
                for (int x = 0; x < row.Length; x++)
                {
                    int o = outRow + x / block;
                    float a = row[x].A / 255f;
                    luminance[o] += row[x].L / 255f * a;
                    alpha[o] += a;
                    weights[o]++;
                }
            }
        });

        bool transparent = false;
        for (int i = 0; i < luminance.Length; i++)
        {
            luminance[i] = alpha[i] > 0 ? luminance[i] / alpha[i] : 0;
            alpha[i] /= weights[i];
            transparent |= alpha[i] < 1;
        }

        return new Raster(width, height, luminance, transparent ? alpha : null);
    }

    private static string NameOf(IImageFormat format) => format.Name.ToUpperInvariant() switch
    {
        "WEBP" => "WebP",
        "PBM" => "PBM/PGM/PPM",
        var name => name,
    };

    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(
            new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(), new BmpConfigurationModule(),
            new PbmConfigurationModule(), new TgaConfigurationModule(), new TiffConfigurationModule(), new WebpConfigurationModule())
        {
            // One core per decode: the server bounds how many decodes run at once, and that bound should mean cores.
            MaxDegreeOfParallelism = 1,
        };
        var formats = configuration.ImageFormatsManager;
        formats.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        formats.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = false });
        formats.SetDecoder(GifFormat.Instance, new GifDecoder { IgnoreMetadata = true, DecodingMode = FrameDecodingMode.First, MaxFrames = 1 });
        formats.SetDecoder(TiffFormat.Instance, new TiffDecoder { IgnoreMetadata = true, DecodingMode = FrameDecodingMode.First });
        formats.SetDecoder(WebpFormat.Instance, new WebpDecoder { IgnoreMetadata = true });
        return configuration;
    }
}
