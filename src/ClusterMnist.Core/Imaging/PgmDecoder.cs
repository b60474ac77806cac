namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Decodes Netpbm greymaps: P2 (ASCII samples) and P5 (binary; one byte per sample, or two big-endian bytes when
/// the maximum value exceeds 255). Comments (# to end of line) are allowed in the header.
/// </summary>
internal static class PgmDecoder
{
    /// <summary>True when <paramref name="data"/> starts with the P2 or P5 magic.</summary>
    public static bool IsPgm(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == 'P' && (data[1] == '2' || data[1] == '5') && IsSpace(data[2]);

    /// <summary>Decodes <paramref name="data"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ImageFormatException">Bad header, bad sample, or too few samples.</exception>
    public static Raster Decode(ReadOnlySpan<byte> data, string source)
    {
        if (!IsPgm(data))
        {
            throw new ImageFormatException(source, "not a PGM file (expected P2 or P5 at the start).");
        }

        bool binary = data[1] == '5';
        int position = 2;
        int width = ReadNumber(data, ref position, source, "width");
        int height = ReadNumber(data, ref position, source, "height");
        int maxValue = ReadNumber(data, ref position, source, "maximum value");
        if (width <= 0 || height <= 0 || (long)width * height > Raster.MaxPixels)
        {
            throw new ImageFormatException(source, $"unsupported PGM size {width}×{height}.");
        }

        if (maxValue is <= 0 or > 65535)
        {
            throw new ImageFormatException(source, $"bad PGM maximum value {maxValue}; it must be 1–65535.");
        }

        int count = width * height;
        var luminance = new float[count];
        if (binary)
        {
            position++; // exactly one whitespace byte separates the header from binary samples
            int bytesPerSample = maxValue > 255 ? 2 : 1;
            if ((long)data.Length - position < (long)count * bytesPerSample)
            {
                throw new ImageFormatException(
                    source, $"truncated PGM: {width}×{height} needs {(long)count * bytesPerSample:N0} sample bytes, {Math.Max(0, data.Length - position):N0} present.");
            }

            for (int i = 0; i < count; i++)
            {
                int value = bytesPerSample == 1
                    ? data[position + i]
                    : (data[position + 2 * i] << 8) | data[position + 2 * i + 1];
                luminance[i] = Scale(value, maxValue, source, i);
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                SkipSpaceAndComments(data, ref position);
                if (position >= data.Length)
                {
                    throw new ImageFormatException(source, $"truncated PGM: {i:N0} of the {count:N0} samples present.");
                }

                luminance[i] = Scale(ReadNumber(data, ref position, source, $"sample {i}"), maxValue, source, i);
            }
        }

        return new Raster(width, height, luminance, null);
    }

    private static float Scale(int value, int maxValue, string source, int index)
    {
        if (value > maxValue)
        {
            throw new ImageFormatException(source, $"bad PGM: sample {index} is {value}, above the maximum value {maxValue}.");
        }

        return value / (float)maxValue;
    }

    private static int ReadNumber(ReadOnlySpan<byte> data, ref int position, string source, string what)
    {
        SkipSpaceAndComments(data, ref position);
        int start = position;
        long value = 0;
        while (position < data.Length && data[position] is >= (byte)'0' and <= (byte)'9' && value <= int.MaxValue)
        {
            value = value * 10 + (data[position] - '0');
            position++;
        }

        if (position == start || value > int.MaxValue
            || (position < data.Length && !IsSpace(data[position]) && data[position] != '#'))
        {
            string found = position < data.Length ? $"'{(char)data[position]}'" : "the end of the file";
            throw new ImageFormatException(source, $"bad PGM: expected a number for the {what}, found {found}.");
        }

        return (int)value;
    }

    private static void SkipSpaceAndComments(ReadOnlySpan<byte> data, ref int position)
    {
        while (position < data.Length)
        {
            if (IsSpace(data[position]))
            {
                position++;
            }
            else if (data[position] == '#')
            {
                while (position < data.Length && data[position] != '\n' && data[position] != '\r')
                {
                    position++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';
}
