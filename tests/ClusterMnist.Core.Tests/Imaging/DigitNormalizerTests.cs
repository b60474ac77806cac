using ClusterMnist.Core.Imaging;

namespace ClusterMnist.Core.Tests.Imaging;

public class DigitNormalizerTests
{
    [Fact]
    public void Normalize_LeavesAnMnistDigitAsItIs()
    {
        foreach (byte[] digit in TestDigits.Take(20))
        {
            float[] scaled = TestDigits.Scaled(digit);
            Assert.Equal(scaled, DigitNormalizer.Normalize(scaled, 28, 28));
        }
    }

    [Fact]
    public void Normalize_BringsA56By56DarkOnLightDigitBackToItsMnistForm()
    {
        var similarities = new List<double>();
        foreach (byte[] digit in TestDigits.Take(50))
        {
            byte[] big = TestDigits.Invert(TestDigits.Enlarge(digit, 28, 2));
            float[] loaded = DigitImage.Decode(TestImages.Grey(big, 56, 56), "big.png");

            Assert.Equal(784, loaded.Length);
            Assert.All(loaded, v => Assert.InRange(v, 0f, 1f));
            similarities.Add(TestDigits.Similarity(TestDigits.Scaled(digit), loaded));
        }

        // Cropping, scaling to 20×20 and centring by mass recovers MNIST's own preparation: the same pixels, give or
        // take a one-pixel shift where a centre of mass sits near a half pixel.
        Assert.True(similarities.Average() > 0.9, $"mean similarity {similarities.Average():F3}");
        Assert.True(similarities.Min() > 0.75, $"worst similarity {similarities.Min():F3}");
    }

    [Fact]
    public void Normalize_FitsAWideCanvasDigitInto20By20_CentredByMass()
    {
        byte[] digit = TestDigits.Ring();
        // The ring drawn three times larger, off-centre on a 150×100 white canvas.
        const int width = 150, height = 100;
        var canvas = Enumerable.Repeat((byte)255, width * height).ToArray();
        for (int y = 0; y < 84; y++)
        {
            for (int x = 0; x < 84; x++)
            {
                canvas[(y + 8) * width + x + 5] = (byte)(255 - digit[y / 3 * 28 + x / 3]);
            }
        }

        float[] loaded = DigitImage.Decode(TestImages.Grey(canvas, width, height), "canvas.png");

        var rows = Enumerable.Range(0, 28).Where(y => Enumerable.Range(0, 28).Any(x => loaded[y * 28 + x] > 0.1f)).ToList();
        var columns = Enumerable.Range(0, 28).Where(x => Enumerable.Range(0, 28).Any(y => loaded[y * 28 + x] > 0.1f)).ToList();
        Assert.Equal(20, rows.Count);
        Assert.InRange(columns.Count, 12, 16);
        double mass = loaded.Sum();
        double cx = Enumerable.Range(0, 784).Sum(i => loaded[i] * (i % 28)) / mass;
        double cy = Enumerable.Range(0, 784).Sum(i => loaded[i] * (i / 28)) / mass;
        // Whole-pixel placement puts the centre of mass within half a pixel of (14, 14).
        Assert.InRange(cx, 13.45, 14.55);
        Assert.InRange(cy, 13.45, 14.55);
        // The same shape from a different canvas size and position normalises to nearly the same picture; whole-pixel
        // placement (as MNIST's) may put a symmetric ring one pixel apart, which costs about 0.1 of similarity.
        byte[] big = TestDigits.Enlarge(digit, 28, 2);
        float[] fromSquare = DigitImage.Decode(TestImages.Grey(big, 56, 56), "square.png");
        double similarity = TestDigits.Similarity(fromSquare, loaded);
        Assert.True(similarity > 0.85, $"similarity to the 56×56 result {similarity:F3}");
        similarity = TestDigits.Similarity(TestDigits.Scaled(digit), loaded);
        Assert.True(similarity > 0.85, $"similarity to the original {similarity:F3}");
    }

    [Theory]
    [InlineData(28, 0)]
    [InlineData(28, 255)]
    [InlineData(28, 128)]
    [InlineData(40, 0)]
    [InlineData(40, 250)]
    public void Normalize_Throws_WhenTheImageIsBlank_BlackOrWhite(int side, byte level)
    {
        // An all-black 28×28 picture looks like an MNIST digit with no ink; it was once classified (as a 1, 11 %).
        var blank = Enumerable.Repeat(level, side * side).ToArray();

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Decode(TestImages.Grey(blank, side, side), "blank.png"));
        Assert.Contains("blank", e.Message, StringComparison.Ordinal);
        Assert.Throws<ImageFormatException>(() => DigitNormalizer.Normalize(TestDigits.Scaled(blank), side, side));
    }
}
