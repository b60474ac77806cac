using System.Buffers.Binary;
using System.IO.Hashing;
using ClusterMnist.Core.Imaging;
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
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using ImageFormatException = ClusterMnist.Core.Imaging.ImageFormatException;

namespace ClusterMnist.Core.Tests.Imaging;

public class DigitImageTests
{
    [Fact]
    public void Decode_RoundTripsAGreyPng_ExactlyAsEncoded()
    {
        byte[] digit = TestDigits.One();

        float[] loaded = DigitImage.Decode(TestImages.Grey(digit, 28, 28), "digit.png");

        Assert.Equal(TestDigits.Scaled(digit), loaded);
    }

    internal static readonly string[] FormatNames =
        ["png", "png-16bit", "png-palette", "png-interlaced", "jpeg", "bmp", "gif", "tiff", "webp", "tga", "pgm-binary", "pgm-ascii"];

    public static TheoryData<string> Formats => new(FormatNames);

    [Theory]
    [MemberData(nameof(Formats))]
    public void Decode_ReadsTheDigit_InEveryFormat(string format)
    {
        // Formats our own decoder refused (palette, 16-bit, interlaced PNG) or never knew (JPEG, BMP, ...) all read.
        foreach (byte[] digit in TestDigits.Take(5))
        {
            float[] loaded = DigitImage.Decode(TestImages.Grey(digit, 28, 28, Encoder(format)), $"digit.{format}");

            double similarity = TestDigits.Similarity(TestDigits.Scaled(digit), loaded);
            Assert.True(similarity > (format is "jpeg" or "webp" ? 0.97 : 0.999), $"{format}: similarity {similarity:F4}");
        }
    }

    [Fact]
    public void Decode_TreatsAColourDigitLikeItsGreyTwin()
    {
        byte[] digit = TestDigits.One();
        using var rgb = new Image<Rgb24>(28, 28);
        for (int i = 0; i < digit.Length; i++)
        {
            rgb[i % 28, i / 28] = new Rgb24(digit[i], digit[i], digit[i]);
        }

        float[] loaded = DigitImage.Decode(TestImages.Save(rgb, new PngEncoder()), "rgb.png");

        Assert.Equal(TestDigits.Scaled(digit), loaded, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public void Decode_UsesAlphaAsInk_WhenTheBackgroundIsTransparent()
    {
        byte[] digit = TestDigits.One();
        // Black strokes painted on a transparent canvas, as drawing programs export them.
        using var rgba = new Image<Rgba32>(28, 28);
        for (int i = 0; i < digit.Length; i++)
        {
            rgba[i % 28, i / 28] = new Rgba32(0, 0, 0, digit[i]);
        }

        float[] loaded = DigitImage.Decode(TestImages.Save(rgba, new PngEncoder()), "pad.png");

        Assert.True(TestDigits.Similarity(TestDigits.Scaled(digit), loaded) > 0.999);
    }

    [Fact]
    public void Decode_InvertsADarkDigitOnWhite()
    {
        byte[] digit = TestDigits.One();

        float[] loaded = DigitImage.Decode(TestImages.Grey(TestDigits.Invert(digit), 28, 28));

        Assert.True(TestDigits.Similarity(TestDigits.Scaled(digit), loaded) > 0.999);
        Assert.Equal(0f, loaded[0]);
    }

    [Fact]
    public void Decode_TurnsAPhoneJpegUpright_ByItsExifOrientation()
    {
        // A camera stores the sensor's picture and says "rotate 90° clockwise to view" (orientation 6).
        using var upright = Image.LoadPixelData<L8>(Seven(84), 84, 84);
        using var stored = upright.Clone(operations => operations.Rotate(RotateMode.Rotate270));
        byte[] withoutOrientation = TestImages.Save(stored, new JpegEncoder { Quality = 95 });
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);

        float[] fromPhone = DigitImage.Decode(TestImages.Save(stored, new JpegEncoder { Quality = 95 }), "photo.jpg");
        float[] fromUpright = DigitImage.Decode(TestImages.Save(upright, new JpegEncoder { Quality = 95 }), "upright.jpg");
        float[] lyingOnItsSide = DigitImage.Decode(withoutOrientation, "side.jpg");

        double similarity = TestDigits.Similarity(fromUpright, fromPhone);
        Assert.True(similarity > 0.95, $"similarity {similarity:F4}");
        double sideways = TestDigits.Similarity(fromUpright, lyingOnItsSide);
        Assert.True(sideways < 0.8, $"the test cannot tell a rotated picture: similarity {sideways:F4}");
    }

    [Theory]
    [InlineData(1, 40_000_000)]
    [InlineData(20_000, 20_000)]
    [InlineData(4097, 4096)]
    public void Decode_RefusesAnImageOverThePixelBudget_FromItsHeader(int width, int height)
    {
        // The probe's bomb: a 77 KB PNG declaring 1 × 40,000,000 pixels made the server allocate 1.2 GB.
        byte[] bomb = PngDeclaring(width, height);

        var e = Assert.Throws<ImageTooLargeException>(() => DigitImage.Decode(bomb, "bomb.png"));
        Assert.Contains("refused before decoding", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{(long)width * height:N0} pixels", e.Message, StringComparison.Ordinal);
        Assert.Throws<ImageTooLargeException>(() => DigitImage.Inspect(bomb, "bomb.png"));
    }

    [Fact]
    public void Decode_RefusesADecodeThatOutgrowsItsMemoryBudget()
    {
        // The header passes, but the decoder's allocations (here: more than 1 KB for a 56 × 56 picture) do not: the
        // budget catches what a header does not show, whichever ImageSharp call the allocation came from.
        byte[] png = TestImages.Grey(TestDigits.Enlarge(TestDigits.One(), 28, 2), 56, 56);

        var e = Assert.Throws<ImageTooLargeException>(
            () => RasterDecoder.Decode(png, PngFormat.Instance, "small.png", DigitImage.DefaultMaxPixels, budgetBytes: 1024));
        Assert.Contains("memory budget of 0 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeBudgetAllocator_Throws_OnceTheTotalPassesTheBudget()
    {
        var allocator = new DecodeBudgetAllocator(1000);
        using (allocator.Allocate<byte>(600))
        {
        }

        // Freed buffers still count: the budget bounds a decode's total work, not only what it holds at once.
        Assert.Throws<DecodeBudgetExceededException>(() => allocator.Allocate<int>(101));
        Assert.Equal(1004, allocator.AllocatedBytes);
    }

    [Fact]
    public void Inspect_ReadsTheHeaderOnly()
    {
        var header = DigitImage.Inspect(PngDeclaring(300, 200), "x.png");

        Assert.Equal(new ImageHeader("PNG", 300, 200), header);
    }

    [Fact]
    public void Decode_SaysNotAValidPng_WhenZlibAsksForAPresetDictionary()
    {
        // The probe's file: the zlib header's FDICT bit set. It once surfaced as "The underlying compression routine
        // returned an unexpected error code" and a 500.
        byte[] png = TestImages.Grey(TestDigits.One(), 28, 28);
        int idat = FindChunk(png, "IDAT");
        int zlib = idat + 8;
        png[zlib + 1] = (byte)((png[zlib + 1] & 0xC0) | 0x20);
        png[zlib + 1] += (byte)((31 - ((png[zlib] * 256) + png[zlib + 1]) % 31) % 31);
        RewriteCrc(png, idat);

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "fdict.png"));
        Assert.StartsWith("fdict.png: not a valid PNG image: its compressed data cannot be inflated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SaysNotAValidPng_WhenACrcIsWrong()
    {
        byte[] png = TestImages.Grey(TestDigits.One(), 28, 28);
        png[FindChunk(png, "IDAT") + 8 + 5] ^= 0x01;

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "bad.png"));
        Assert.StartsWith("bad.png: not a valid PNG image", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(120)]
    public void Decode_SaysNotAValidPng_WhenTheFileIsTruncated(int keep)
    {
        byte[] png = TestImages.Grey(TestDigits.One(), 28, 28)[..keep];

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "cut.png"));
        Assert.Contains("not a valid PNG image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RefusesBigTiff()
    {
        byte[] bigTiff = [(byte)'I', (byte)'I', 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(bigTiff, "big.tif"));
        Assert.Contains("BigTIFF", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Throws_WhenItIsNotAnImage()
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode("%PDF-1.7\n\0\0\0\0"u8, "x.pdf"));
        Assert.Contains("not a supported image", e.Message, StringComparison.Ordinal);
        Assert.Contains("JPEG", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode([], "empty"));
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Throws_WhenTheFileIsMissing()
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Load("/nonexistent/digit.png"));
        Assert.Contains("file not found", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A dark "7" on a light <paramref name="side"/>-pixel square canvas: a bar along the top and a stroke down to the left.</summary>
    internal static byte[] Seven(int side)
    {
        var canvas = Enumerable.Repeat((byte)250, side * side).ToArray();
        int stroke = Math.Max(2, side / 14);
        for (int y = side / 7; y < side * 6 / 7; y++)
        {
            for (int x = side / 6; x < side * 5 / 6; x++)
            {
                bool bar = y < side / 7 + stroke;
                int diagonal = side * 5 / 6 - (y - side / 7) / 2;
                if (bar || (x >= diagonal - stroke && x < diagonal))
                {
                    canvas[y * side + x] = 10;
                }
            }
        }

        return canvas;
    }

    internal static IImageEncoder Encoder(string format) => format switch
    {
        "png" => new PngEncoder(),
        "png-16bit" => new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale },
        "png-palette" => new PngEncoder { ColorType = PngColorType.Palette },
        "png-interlaced" => new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 },
        "jpeg" => new JpegEncoder { Quality = 95 },
        "bmp" => new BmpEncoder(),
        "gif" => new GifEncoder(),
        "tiff" => new TiffEncoder(),
        "webp" => new WebpEncoder { Quality = 95 },
        "tga" => new TgaEncoder(),
        "pgm-binary" => new PbmEncoder { ColorType = PbmColorType.Grayscale, Encoding = PbmEncoding.Binary },
        "pgm-ascii" => new PbmEncoder { ColorType = PbmColorType.Grayscale, Encoding = PbmEncoding.Plain },
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>A valid PNG header and one tiny IDAT that declare <paramref name="width"/> × <paramref name="height"/>.</summary>
    internal static byte[] PngDeclaring(int width, int height)
    {
        byte[] png = TestImages.Grey(new byte[8 * 8], 8, 8);
        int ihdr = FindChunk(png, "IHDR");
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(ihdr + 8), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(ihdr + 12), height);
        RewriteCrc(png, ihdr);
        return png;
    }

    internal static int FindChunk(byte[] png, string type)
    {
        for (int offset = 8; offset < png.Length;)
        {
            if (System.Text.Encoding.ASCII.GetString(png, offset + 4, 4) == type)
            {
                return offset;
            }

            offset += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        }

        throw new InvalidOperationException($"no {type} chunk");
    }

    internal static void RewriteCrc(byte[] png, int chunkOffset)
    {
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(chunkOffset));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunkOffset + 8 + length), Crc32.HashToUInt32(png.AsSpan(chunkOffset + 4, 4 + length)));
    }
}
