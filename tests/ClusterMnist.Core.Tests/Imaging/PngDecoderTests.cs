using System.Buffers.Binary;
using ClusterMnist.Core.Imaging;

namespace ClusterMnist.Core.Tests.Imaging;

public class PngDecoderTests
{
    [Fact]
    public void Decode_RoundTripsAGreyDigit_ExactlyAsEncoded()
    {
        byte[] digit = TestDigits.One();

        byte[] png = PngEncoder.EncodeGrey(digit, 28, 28);
        float[] loaded = DigitImage.Decode(png, "digit.png");

        Assert.Equal(TestDigits.Scaled(digit), loaded);
    }

    public static TheoryData<PngColorType, int?> ColorTypesAndFilters()
    {
        var data = new TheoryData<PngColorType, int?>();
        foreach (PngColorType type in Enum.GetValues<PngColorType>())
        {
            foreach (int? filter in new int?[] { null, 0, 1, 2, 3, 4 })
            {
                data.Add(type, filter);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ColorTypesAndFilters))]
    public void Decode_UndoesEveryFilter_ForEveryColourType(PngColorType type, int? filter)
    {
        // A noisy, non-uniform picture so every filter's predictions differ from zero and from each other.
        const int width = 13, height = 11;
        var random = new Random(42);
        int channels = type switch { PngColorType.Grey => 1, PngColorType.GreyAlpha => 2, PngColorType.Rgb => 3, _ => 4 };
        var samples = new byte[width * height * channels];
        random.NextBytes(samples);

        Raster raster = PngDecoder.Decode(PngEncoder.Encode(samples, width, height, type, filter), "test.png");

        Assert.Equal(width, raster.Width);
        Assert.Equal(height, raster.Height);
        Assert.Equal(channels is 2 or 4, raster.Alpha is not null);
        for (int p = 0; p < width * height; p++)
        {
            int s = p * channels;
            float expected = channels >= 3
                ? (0.299f * samples[s] + 0.587f * samples[s + 1] + 0.114f * samples[s + 2]) / 255f
                : samples[s] / 255f;
            Assert.Equal(expected, raster.Luminance[p], 5);
            if (raster.Alpha is not null)
            {
                Assert.Equal(samples[s + channels - 1] / 255f, raster.Alpha[p]);
            }
        }
    }

    [Fact]
    public void Decode_TreatsAGreyRgbDigitAsTheGreyDigit()
    {
        byte[] digit = TestDigits.One();
        byte[] rgb = [.. digit.SelectMany(v => new[] { v, v, v })];

        float[] loaded = DigitImage.Decode(PngEncoder.Encode(rgb, 28, 28, PngColorType.Rgb, filter: null));

        Assert.Equal(TestDigits.Scaled(digit), loaded, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Fact]
    public void Decode_UsesAlphaAsInk_WhenTheBackgroundIsTransparent()
    {
        byte[] digit = TestDigits.One();
        // Black strokes painted on a transparent canvas, as drawing programs export them.
        byte[] rgba = [.. digit.SelectMany(v => new byte[] { 0, 0, 0, v })];

        float[] loaded = DigitImage.Decode(PngEncoder.Encode(rgba, 28, 28, PngColorType.Rgba, filter: 4));

        Assert.True(TestDigits.Similarity(TestDigits.Scaled(digit), loaded) > 0.999);
    }

    [Fact]
    public void Decode_InvertsADarkDigitOnWhite()
    {
        byte[] digit = TestDigits.One();

        float[] loaded = DigitImage.Decode(PngEncoder.EncodeGrey(TestDigits.Invert(digit), 28, 28));

        Assert.True(TestDigits.Similarity(TestDigits.Scaled(digit), loaded) > 0.999);
        Assert.Equal(0f, loaded[0]);
    }

    [Fact]
    public void Decode_Throws_WhenACrcIsWrong()
    {
        byte[] png = PngEncoder.EncodeGrey(TestDigits.One(), 28, 28);
        png[8 + 8 + 13 + 4 + 8 + 5] ^= 0x01; // a byte inside the IDAT data

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "bad.png"));
        Assert.Contains("CRC mismatch in the IDAT chunk", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.png: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(120)]
    public void Decode_Throws_WhenTheFileIsTruncated(int keep)
    {
        byte[] png = PngEncoder.EncodeGrey(TestDigits.One(), 28, 28)[..keep];
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "cut.png"));
        Assert.Contains("truncated PNG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Throws_WhenItIsNotAnImage()
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode("GIF89a\0\0\0\0"u8, "x.gif"));
        Assert.Contains("not a supported image", e.Message, StringComparison.Ordinal);
        Assert.Throws<ImageFormatException>(() => DigitImage.Decode([], "empty"));
    }

    [Theory]
    [InlineData(12, 1, "interlaced")]
    [InlineData(8, 16, "16-bit")]
    [InlineData(9, 3, "palette")]
    public void Decode_SaysUnsupported_ForInterlacedSixteenBitAndPalette(int headerByte, byte value, string word)
    {
        byte[] png = PngEncoder.EncodeGrey(TestDigits.One(), 28, 28);
        png[16 + headerByte] = value;
        RewriteCrc(png, chunkOffset: 8, bodyLength: 13);

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "odd.png"));
        Assert.Contains("unsupported", e.Message, StringComparison.Ordinal);
        Assert.Contains(word, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_Throws_WhenTheCompressedDataIsDamagedButTheCrcMatches()
    {
        byte[] png = PngEncoder.EncodeGrey(TestDigits.One(), 28, 28);
        int idat = 8 + 12 + 13;
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        for (int i = idat + 8 + 2; i < idat + 8 + length; i++)
        {
            png[i] = 0xff;
        }

        RewriteCrc(png, idat, length);

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(png, "damaged.png"));
        Assert.Contains("corrupt PNG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Throws_WhenTheFileIsMissing()
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Load("/nonexistent/digit.png"));
        Assert.Contains("file not found", e.Message, StringComparison.Ordinal);
    }

    private static void RewriteCrc(byte[] png, int chunkOffset, int bodyLength)
    {
        uint crc = Crc32.Append(0, png.AsSpan(chunkOffset + 4, 4 + bodyLength));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(chunkOffset + 8 + bodyLength), crc);
    }
}
