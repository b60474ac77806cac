using System.Numerics.Tensors;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Turns any greyscale picture of one digit into what MNIST looks like: white ink on black, the digit's bounding box
/// scaled to fit 20×20 (aspect ratio kept, area-averaged), placed in a 28×28 field so that its centre of mass is at
/// the centre, as LeCun et al. prepared MNIST. A 28×28 picture that is already white on black is returned unchanged.
/// </summary>
public static class DigitNormalizer
{
    /// <summary>Side of the MNIST field.</summary>
    public const int Side = 28;

    /// <summary>Side of the box the digit's bounding box is scaled to fit.</summary>
    public const int BoxSide = 20;

    // Ink below this fraction of the strongest stroke is paper texture or JPEG noise, not part of the digit's box.
    private const float InkThreshold = 0.1f;

    // A picture whose strongest stroke is this close to its background has no digit: it is blank (all black, all white).
    private const float MinContrast = 0.05f;

    /// <summary>
    /// Normalises a <paramref name="width"/> × <paramref name="height"/> picture given as luminance in [0,1]
    /// (0 = black) with an optional <paramref name="alpha"/> channel; returns 784 floats in [0,1].
    /// </summary>
    /// <exception cref="ImageFormatException">The picture is blank: there is no digit to find.</exception>
    public static float[] Normalize(
        ReadOnlySpan<float> luminance, int width, int height, ReadOnlySpan<float> alpha = default, string source = "image")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (luminance.Length != width * height || (!alpha.IsEmpty && alpha.Length != luminance.Length))
        {
            throw new ArgumentException($"expected {width * height} luminance (and alpha) values for {width}×{height}.");
        }

        var (ink, mnistLike) = Ink(luminance, width, height, alpha);
        float background = BorderMedian(ink, width, height);
        float strongest = TensorPrimitives.Max(ink);
        if (strongest - background < MinContrast)
        {
            // Checked before the MNIST-like shortcut too, so an all-black 28×28 image is as blank as an all-white one.
            throw new ImageFormatException(source, "no digit found: the image is blank (no ink stands out from the background).");
        }

        if (width == Side && height == Side && mnistLike)
        {
            return ink;
        }

        Stretch(ink, background, strongest);
        if (width == Side && height == Side)
        {
            return ink;
        }

        var (left, top, boxWidth, boxHeight) = BoundingBox(ink, width, height);
        float scale = (float)BoxSide / Math.Max(boxWidth, boxHeight);
        int scaledWidth = Math.Clamp((int)MathF.Round(boxWidth * scale), 1, BoxSide);
        int scaledHeight = Math.Clamp((int)MathF.Round(boxHeight * scale), 1, BoxSide);
        float[] glyph = Resample(ink, width, left, top, boxWidth, boxHeight, scaledWidth, scaledHeight);
        return PlaceByCentreOfMass(glyph, scaledWidth, scaledHeight);
    }

    internal static float[] Normalize(Raster raster, string source) =>
        Normalize(raster.Luminance, raster.Width, raster.Height, raster.Alpha, source);

    /// <summary>
    /// Ink in [0,1] per pixel (1 = stroke). Alpha is the ink when the background is transparent; otherwise the picture
    /// is composited on white and inverted when its border (the background) is light. mnistLike says the picture was
    /// already opaque white ink on black.
    /// </summary>
    private static (float[] Ink, bool MnistLike) Ink(ReadOnlySpan<float> luminance, int width, int height, ReadOnlySpan<float> alpha)
    {
        var ink = new float[luminance.Length];
        if (!alpha.IsEmpty && BorderMedian(alpha, width, height) < 0.5f)
        {
            alpha.CopyTo(ink);
            return (ink, false);
        }

        for (int i = 0; i < ink.Length; i++)
        {
            ink[i] = alpha.IsEmpty ? luminance[i] : luminance[i] * alpha[i] + (1 - alpha[i]);
        }

        if (BorderMedian(ink, width, height) <= 0.5f)
        {
            return (ink, alpha.IsEmpty || !alpha.ContainsAnyExcept(1f));
        }

        for (int i = 0; i < ink.Length; i++)
        {
            ink[i] = 1 - ink[i];
        }

        return (ink, false);
    }

    /// <summary>Maps the background level to 0 and the strongest stroke to 1.</summary>
    private static void Stretch(float[] ink, float background, float strongest)
    {
        float range = strongest - background;
        for (int i = 0; i < ink.Length; i++)
        {
            ink[i] = Math.Clamp((ink[i] - background) / range, 0f, 1f);
        }
    }

    private static float BorderMedian(ReadOnlySpan<float> values, int width, int height)
    {
        var border = new List<float>(2 * (width + height));
        for (int x = 0; x < width; x++)
        {
            border.Add(values[x]);
            border.Add(values[(height - 1) * width + x]);
        }

        for (int y = 1; y < height - 1; y++)
        {
            border.Add(values[y * width]);
            border.Add(values[y * width + width - 1]);
        }

        border.Sort();
        return border[border.Count / 2];
    }

    private static (int Left, int Top, int Width, int Height) BoundingBox(float[] ink, int width, int height)
    {
        int left = width, top = height, right = -1, bottom = -1;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (ink[y * width + x] > InkThreshold)
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        return (left, top, right - left + 1, bottom - top + 1);
    }

    /// <summary>
    /// Area-weighted resampling of the box (left, top, boxWidth × boxHeight) to outWidth × outHeight: each output
    /// pixel averages the source area it covers, with fractional weights at its edges (anti-aliased, like MNIST).
    /// </summary>
    private static float[] Resample(
        float[] ink, int width, int left, int top, int boxWidth, int boxHeight, int outWidth, int outHeight)
    {
        var output = new float[outWidth * outHeight];
        double sx = (double)boxWidth / outWidth;
        double sy = (double)boxHeight / outHeight;
        for (int oy = 0; oy < outHeight; oy++)
        {
            double y0 = oy * sy, y1 = (oy + 1) * sy;
            for (int ox = 0; ox < outWidth; ox++)
            {
                double x0 = ox * sx, x1 = (ox + 1) * sx;
                double sum = 0;
                for (int y = (int)y0; y < Math.Min(boxHeight, (int)Math.Ceiling(y1)); y++)
                {
                    double wy = Math.Min(y1, y + 1) - Math.Max(y0, y);
                    for (int x = (int)x0; x < Math.Min(boxWidth, (int)Math.Ceiling(x1)); x++)
                    {
                        double wx = Math.Min(x1, x + 1) - Math.Max(x0, x);
                        sum += wx * wy * ink[(top + y) * width + left + x];
                    }
                }

                output[oy * outWidth + ox] = (float)(sum / (sx * sy));
            }
        }

        return output;
    }

    private static float[] PlaceByCentreOfMass(float[] glyph, int glyphWidth, int glyphHeight)
    {
        double mass = 0, mx = 0, my = 0;
        for (int y = 0; y < glyphHeight; y++)
        {
            for (int x = 0; x < glyphWidth; x++)
            {
                float v = glyph[y * glyphWidth + x];
                mass += v;
                mx += v * x;
                my += v * y;
            }
        }

        // MNIST's centres of mass sit at about (14, 14) in pixel-index coordinates (measured on its test digits), i.e.
        // its makers used Side / 2, not the geometric 13.5; matching them keeps digits where the model expects them.
        const double centre = Side / 2.0;
        int offsetX = (int)Math.Round(centre - mx / mass, MidpointRounding.AwayFromZero);
        int offsetY = (int)Math.Round(centre - my / mass, MidpointRounding.AwayFromZero);
        var field = new float[Side * Side];
        for (int y = 0; y < glyphHeight; y++)
        {
            int fy = y + offsetY;
            if (fy is < 0 or >= Side)
            {
                continue;
            }

            for (int x = 0; x < glyphWidth; x++)
            {
                int fx = x + offsetX;
                if (fx is >= 0 and < Side)
                {
                    field[fy * Side + fx] = glyph[y * glyphWidth + x];
                }
            }
        }

        return field;
    }
}
