using System.Text;
using ClusterMnist.Core.Imaging;

namespace ClusterMnist.Core.Tests.Imaging;

/// <summary>
/// ImageSharp 2.1 decodes a Netpbm file that ends early by leaving the missing pixels empty, so a cut-off upload used
/// to be classified with confidence. These prove such files are refused and complete ones still read.
/// </summary>
public sealed class NetpbmLayoutTests
{
    public static TheoryData<string, int, string> Truncated() => new()
    {
        // format, how much to cut from the end (bytes, or numbers for the plain formats), the counts in the message
        { "P5", 684, "holds 100 bytes of the 784" },
        { "P5", 1, "holds 783 bytes of the 784" },
        { "P5/16", 1, "holds 1,567 bytes of the 1,568" },
        { "P6", 3, "holds 2,349 bytes of the 2,352" },
        { "P4", 12, "holds 100 bytes of the 112" },
        { "P2", 1, "holds 783 numbers of the 784" },
        { "P2/16", 400, "holds 384 numbers of the 784" },
        { "P3", 2, "holds 2,350 numbers of the 2,352" },
        { "P1", 1, "holds 783 digits of the 784" },
    };

    [Theory]
    [MemberData(nameof(Truncated))]
    public void Decode_RefusesAFileCutShort_SayingHowMuchItHolds(string format, int cut, string counts)
    {
        byte[] file = Cut(format, cut);

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(file, "cut.pnm"));

        Assert.StartsWith("cut.pnm: not a valid PBM/PGM/PPM image: truncated", e.Message, StringComparison.Ordinal);
        Assert.Contains(counts, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("P5")]
    [InlineData("P5/16")]
    [InlineData("P6")]
    [InlineData("P4")]
    [InlineData("P2")]
    [InlineData("P2/16")]
    [InlineData("P3")]
    [InlineData("P1")]
    public void Decode_ReadsACompleteFile_InEveryFormat(string format)
    {
        Assert.Equal(Expected(format), DigitImage.Decode(Build(format), "digit.pnm"), Close);
    }

    [Theory]
    [InlineData("P5")]
    [InlineData("P5/16")]
    [InlineData("P4")]
    [InlineData("P2")]
    [InlineData("P1")]
    public void Decode_ReadsACompleteFile_FollowedByAnotherImage(string format)
    {
        byte[] file = [.. Build(format), .. "\nP5\n1 1\n255\n\x7f"u8];

        Assert.Equal(Expected(format), DigitImage.Decode(file, "two.pnm"), Close);
    }

    [Fact]
    public void Decode_ReadsABinaryPgm_WithCommentsBetweenHeaderTokens()
    {
        byte[] digit = TestDigits.One();
        byte[] pgm = [.. "P5 # written by hand\n#\n28\t# width\n  28 # height\r\n# maxval next\n255\n"u8, .. digit];

        Assert.Equal(TestDigits.Scaled(digit), DigitImage.Decode(pgm, "digit.pgm"));
    }

    [Fact]
    public void Decode_ReadsABinaryPgm_WhoseHeaderEndsInCrLf()
    {
        // By the spec the CR ends the header and the LF is the first pixel byte, so the raster is one byte longer than
        // needed: complete. (ImageSharp skips the LF and reads the 784 bytes after it.)
        byte[] digit = TestDigits.One();
        byte[] pgm = [.. "P5\r\n28 28\r\n255\r\n"u8, .. digit];

        Assert.Equal(TestDigits.Scaled(digit), DigitImage.Decode(pgm, "digit.pgm"));
    }

    [Fact]
    public void Decode_RefusesAPlainPbm_WhoseDigitsRunTogether()
    {
        // Netpbm's own writer packs the digits; ImageSharp 2.1 would read each run as one pixel and leave the rest empty.
        string digits = string.Concat(TestDigits.One().Select(v => v > 127 ? '0' : '1'));
        byte[] pbm = Encoding.ASCII.GetBytes($"P1\n28 28\n{digits}\n");

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(pbm, "packed.pbm"));

        Assert.StartsWith("packed.pbm: not a valid PBM/PGM/PPM image: its 0s and 1s run together", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("P2 2 1 255\n0 300\n", "is 300, above the maxval 255")]
    [InlineData("P2 2 1 15\n0 16\n", "is 16, above the maxval 15")]
    [InlineData("P3 1 1 255\n0 0 99999999999999999999\n", "above the maxval 255")]
    [InlineData("P1 2 1\n0 2\n", "is 2; a PBM pixel is 0 or 1")]
    [InlineData("P2 2 1 255\n0 -1\n", "'-'")]
    [InlineData("P2 2 1 255\n0 x1\n", "'x'")]
    public void Decode_RefusesAPlainFile_WithASampleItCannotReadAsGiven(string content, string problem)
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(Encoding.ASCII.GetBytes(content), "x.pgm"));

        Assert.StartsWith("x.pgm: not a valid PBM/PGM/PPM image: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("P5 28 28 0\n")]
    [InlineData("P5 28 28 65536\n")]
    [InlineData("P5 28 28 255")]
    public void Decode_RefusesABinaryHeader_TheSpecDoesNotAllow(string header)
    {
        byte[] file = [.. Encoding.ASCII.GetBytes(header), .. TestDigits.One()];

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(file, "x.pgm"));

        Assert.StartsWith("x.pgm: not a valid PBM/PGM/PPM image", e.Message, StringComparison.Ordinal);
    }

    private static bool Close(float a, float b) => Math.Abs(a - b) < 1e-6f;

    private static byte[] Cut(string format, int cut) => format switch
    {
        "P2" or "P2/16" or "P3" or "P1" => Build(format, cut),
        _ => Build(format)[..^cut],
    };

    /// <summary>The digit in <paramref name="format"/>; a plain file leaves out its last <paramref name="missing"/> numbers.</summary>
    private static byte[] Build(string format, int missing = 0)
    {
        byte[] digit = TestDigits.One();
        return format switch
        {
            "P5" => [.. "P5\n28 28\n255\n"u8, .. digit],
            "P5/16" => [.. "P5\n28 28\n65535\n"u8, .. digit.SelectMany(v => new[] { (byte)v, (byte)v })],
            "P6" => [.. "P6\n28 28\n255\n"u8, .. digit.SelectMany(v => new[] { v, v, v })],
            "P4" => [.. "P4\n28 28\n"u8, .. PackBits(digit)],
            "P2" => Plain("P2\n28 28\n255\n", [.. digit.Select(v => (int)v)], missing),
            "P2/16" => Plain("P2\n28 28\n65535\n", [.. digit.Select(v => v * 257)], missing),
            "P3" => Plain("P3\n28 28\n255\n", [.. digit.SelectMany(v => new[] { (int)v, v, v })], missing),
            "P1" => Plain("P1\n28 28\n", [.. digit.Select(v => v > 127 ? 0 : 1)], missing),
            _ => throw new ArgumentException(format, nameof(format)),
        };
    }

    /// <summary>Rows of the numbers separated by spaces, the last one with no newline after it.</summary>
    private static byte[] Plain(string header, int[] samples, int missing)
    {
        int perRow = samples.Length / 28;
        var text = new StringBuilder(header);
        var kept = samples[..^missing];
        for (int i = 0; i < kept.Length; i++)
        {
            text.Append(kept[i]).Append(i == kept.Length - 1 ? "" : (i + 1) % perRow == 0 ? "\n" : " ");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>P4 rows of 28 pixels in 4 bytes each, the last 4 bits padding; a set bit is black, so the ink is 0.</summary>
    private static byte[] PackBits(byte[] digit)
    {
        var packed = new byte[28 * 4];
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                if (digit[y * 28 + x] <= 127)
                {
                    packed[y * 4 + x / 8] |= (byte)(0x80 >> (x % 8));
                }
            }
        }

        return packed;
    }

    private static float[] Expected(string format) => format is "P4" or "P1"
        ? [.. TestDigits.One().Select(v => v > 127 ? 1f : 0f)]
        : TestDigits.Scaled(TestDigits.One());
}
