namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Loads a picture of one digit for <c>predict</c>: PNG (8-bit grey, grey+alpha, RGB or RGBA), PGM (P2 or P5) or a
/// CSV row, normalised to MNIST's form by <see cref="DigitNormalizer"/>.
/// </summary>
public static class DigitImage
{
    /// <summary>Reads <paramref name="path"/> and returns 784 floats in [0,1]: a 28×28 white-on-black digit.</summary>
    /// <exception cref="ImageFormatException">Missing, unreadable, unsupported or blank.</exception>
    public static float[] Load(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFormatException(path, "file not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot read the file ({e.Message}).", e);
        }

        return Decode(data, path);
    }

    /// <summary>As <see cref="Load"/>, for bytes already in memory (an upload); <paramref name="source"/> names them in errors.</summary>
    /// <exception cref="ImageFormatException">Unreadable, unsupported or blank.</exception>
    public static float[] Decode(ReadOnlySpan<byte> data, string source = "image")
    {
        Raster raster;
        if (data.StartsWith(PngDecoder.Signature))
        {
            raster = PngDecoder.Decode(data, source);
        }
        else if (PgmDecoder.IsPgm(data))
        {
            raster = PgmDecoder.Decode(data, source);
        }
        else if (LooksLikeCsv(data))
        {
            raster = CsvDigitRow.Decode(data, source);
        }
        else if (data.IsEmpty)
        {
            throw new ImageFormatException(source, "the file is empty.");
        }
        else
        {
            throw new ImageFormatException(
                source, "not a supported image: expected a PNG, a PGM (P2 or P5) or a CSV row of 784 pixel values.");
        }

        return DigitNormalizer.Normalize(raster, source);
    }

    private static bool LooksLikeCsv(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> head = data[..Math.Min(data.Length, 4096)];
        return head.Contains((byte)',') && !head.ContainsAnyInRange((byte)0, (byte)8);
    }
}
