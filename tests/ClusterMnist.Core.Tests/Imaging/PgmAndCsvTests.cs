using System.Text;
using ClusterMnist.Core.Imaging;

namespace ClusterMnist.Core.Tests.Imaging;

public class PgmAndCsvTests
{
    [Fact]
    public void Decode_ReadsAsciiPgm_WithComments()
    {
        byte[] digit = TestDigits.One();
        var text = new StringBuilder("P2\n# a digit\n28 28\n# max\n255\n");
        for (int y = 0; y < 28; y++)
        {
            text.AppendJoin(' ', digit.Skip(y * 28).Take(28)).Append('\n');
        }

        float[] loaded = DigitImage.Decode(Encoding.ASCII.GetBytes(text.ToString()), "digit.pgm");

        Assert.Equal(TestDigits.Scaled(digit), loaded);
    }

    [Fact]
    public void Decode_ReadsBinaryPgm()
    {
        byte[] digit = TestDigits.One();
        byte[] pgm = [.. Encoding.ASCII.GetBytes("P5 28 28 255\n"), .. digit];

        Assert.Equal(TestDigits.Scaled(digit), DigitImage.Decode(pgm, "digit.pgm"));
    }

    [Fact]
    public void Decode_ReadsSixteenBitBinaryPgm()
    {
        byte[] digit = TestDigits.One();
        byte[] samples = [.. digit.SelectMany(v => new[] { (byte)(v * 257 >> 8), (byte)(v * 257 & 0xff) })];
        byte[] pgm = [.. Encoding.ASCII.GetBytes("P5\n28 28\n65535\n"), .. samples];

        float[] loaded = DigitImage.Decode(pgm, "digit.pgm");

        Assert.Equal(TestDigits.Scaled(digit), loaded, (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Theory]
    [InlineData("P2 2 x 255\n1 2 3 4")]
    [InlineData("P2 0 2 255\n")]
    public void Decode_SaysNotAValidPgm_ForABrokenOne(string content)
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(Encoding.Latin1.GetBytes(content), "x.pgm"));
        Assert.StartsWith("x.pgm: not a valid PBM/PGM/PPM image", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Decode_ReadsACsvRow_WithOrWithoutLabelAndHeader(bool label, bool header)
    {
        byte[] digit = TestDigits.One();
        var text = new StringBuilder();
        if (header)
        {
            text.Append("label,").AppendJoin(',', Enumerable.Range(0, 784).Select(i => $"pixel{i}")).Append('\n');
        }

        if (label)
        {
            text.Append("7,");
        }

        text.AppendJoin(',', digit).Append("\r\n");

        Assert.Equal(TestDigits.Scaled(digit), DigitImage.Decode(Encoding.ASCII.GetBytes(text.ToString()), "digit.csv"));
    }

    [Fact]
    public void Decode_ReadsACsvRowOfNormalizedPixels_AsTheSameDigit()
    {
        // Pixels already divided by 255 (as many data pipelines store them) once decoded as a blank image.
        byte[] digit = TestDigits.One();
        string unit = string.Join(',', digit.Select(b => (b / 255.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

        float[] fromUnit = DigitImage.Decode(Encoding.ASCII.GetBytes(unit), "digit.csv");

        float[] fromBytes = DigitImage.Decode(Encoding.ASCII.GetBytes(string.Join(',', digit)), "digit.csv");
        Assert.Equal(fromBytes.Length, fromUnit.Length);
        for (int i = 0; i < fromBytes.Length; i++)
        {
            Assert.Equal(fromBytes[i], fromUnit[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData("10,ROW\n", "leading label '10' is not a digit 0–9")]
    [InlineData("-1,ROW\n", "leading label '-1' is not a digit 0–9")]
    [InlineData("1,2,3\n", "has 3 values; expected 784")]
    [InlineData("ROW\nROW\n", "holds 2 rows")]
    [InlineData("BAD\n", "is not a number")]
    [InlineData("BIG\n", "outside 0–255")]
    public void Decode_Throws_ForABrokenCsvRow(string content, string problem)
    {
        string row = string.Join(',', Enumerable.Repeat("0", 784));
        content = content.Replace("ROW", row, StringComparison.Ordinal)
            .Replace("BAD", "0,abc," + string.Join(',', Enumerable.Repeat("0", 782)), StringComparison.Ordinal)
            .Replace("BIG", "0,300," + string.Join(',', Enumerable.Repeat("0", 782)), StringComparison.Ordinal);

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(Encoding.ASCII.GetBytes(content), "x.csv"));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }
}
