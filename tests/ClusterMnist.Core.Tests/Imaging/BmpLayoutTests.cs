using System.Buffers.Binary;
using ClusterMnist.Core.Imaging;
using SixLabors.ImageSharp.Formats.Bmp;

namespace ClusterMnist.Core.Tests.Imaging;

/// <summary>
/// ImageSharp 2.1 reads an uncompressed BMP that ends early without complaint (the missing rows keep whatever the row
/// buffer held), so a cut-off upload was read as a different picture. These prove such files are refused.
/// </summary>
public sealed class BmpLayoutTests
{
    [Theory]
    [InlineData(BmpBitsPerPixel.Pixel24)]
    [InlineData(BmpBitsPerPixel.Pixel8)]
    [InlineData(BmpBitsPerPixel.Pixel32)]
    public void Decode_ReadsACompleteUncompressedBmp(BmpBitsPerPixel bits)
    {
        byte[] digit = TestDigits.One();
        byte[] bmp = TestImages.Grey(digit, 28, 28, new BmpEncoder { BitsPerPixel = bits });

        Assert.Equal(TestDigits.Scaled(digit), DigitImage.Decode(bmp, "digit.bmp"), (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Theory]
    [InlineData(BmpBitsPerPixel.Pixel24, 1000)]
    [InlineData(BmpBitsPerPixel.Pixel24, 1)]
    [InlineData(BmpBitsPerPixel.Pixel8, 300)]
    [InlineData(BmpBitsPerPixel.Pixel32, 5)]
    public void Decode_RefusesAnUncompressedBmpCutShort(BmpBitsPerPixel bits, int cut)
    {
        byte[] whole = TestImages.Grey(TestDigits.One(), 28, 28, new BmpEncoder { BitsPerPixel = bits });
        byte[] bmp = whole[..^cut];

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(bmp, "cut.bmp"));

        Assert.StartsWith("cut.bmp: not a valid BMP image: truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains($"holds {bmp.Length:N0} bytes of the {whole.Length:N0}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RefusesATopDownBmpCutShort()
    {
        // A negative height means rows run top to bottom; the size needed is the same.
        byte[] whole = TestImages.Grey(TestDigits.One(), 28, 28, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
        BinaryPrimitives.WriteInt32LittleEndian(whole.AsSpan(22), -28);

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(whole[..^84], "cut.bmp"));

        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ReadsABmp_WithBytesAfterItsPixels()
    {
        byte[] digit = TestDigits.One();
        byte[] bmp = [.. TestImages.Grey(digit, 28, 28, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }), 0, 0, 0, 0];

        Assert.Equal(TestDigits.Scaled(digit), DigitImage.Decode(bmp, "digit.bmp"));
    }
}
