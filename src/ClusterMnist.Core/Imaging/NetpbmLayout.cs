namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Checks that a PBM, PGM or PPM file holds every sample its header declares. ImageSharp 2.1's Netpbm decoder stops
/// quietly where the data ends and leaves the rest of the picture empty, so a file cut short in an upload was
/// classified as if it were whole. The header is read by the Netpbm spec: the magic number P1–P6, then width, height
/// and (except for P1 and P4) maxval, separated by whitespace and <c>#</c> comments that run to the end of a line; in the
/// binary formats the pixels start after exactly one whitespace byte. Bytes after the last sample are allowed: a Netpbm
/// file may hold several images, and only the first is read.
/// </summary>
internal static class NetpbmLayout
{
    private const string Name = "PBM/PGM/PPM";

    /// <summary>
    /// Throws when <paramref name="data"/> holds fewer samples than its header declares, or a plain-format sample that
    /// the decoder would misread. <paramref name="header"/> is the decoder's reading of the same header, already within
    /// the pixel budget, so width × height is bounded.
    /// </summary>
    /// <exception cref="ImageFormatException">Truncated, or a header or sample outside the spec.</exception>
    public static void RefuseIncomplete(ReadOnlySpan<byte> data, ImageHeader header, string source)
    {
        if (data.Length < 2 || data[0] != 'P' || data[1] is < (byte)'1' or > (byte)'6')
        {
            return; // not a format this reads; the decoder refuses it
        }

        char kind = (char)data[1];
        bool bitmap = kind is '1' or '4', binary = kind >= '4';
        int position = 2;
        long width = ReadNumber(data, ref position, "width", source);
        long height = ReadNumber(data, ref position, "height", source);
        long maxval = bitmap ? 1 : ReadNumber(data, ref position, "maxval", source);
        if (maxval is < 1 or > ushort.MaxValue)
        {
            throw NotValid(source, $"its maxval is {maxval:N0}; the format allows 1 to 65,535.");
        }

        // Both readings come from the same bytes; if they differed, the count below would describe another picture.
        if (width != header.Width || height != header.Height)
        {
            throw NotValid(source, $"its header reads as {width:N0} × {height:N0} by the format's rules but as {header.Width:N0} × {header.Height:N0} to the decoder.");
        }

        string image = $"a {width:N0} × {height:N0} P{kind} image";
        if (binary)
        {
            long need = kind switch
            {
                '4' => (width + 7) / 8 * height,
                '5' => width * height * (maxval < 256 ? 1 : 2),
                _ => 3 * width * height * (maxval < 256 ? 1 : 2),
            };
            long have = data.Length - StartOfBinaryPixels(data, position, source);
            if (have < need)
            {
                throw NotValid(source, $"truncated: its pixel data holds {have:N0} bytes of the {need:N0} {image} needs.");
            }
        }
        else
        {
            // ReadNumber has left position at whitespace, a comment or the end, so the samples start here.
            long need = width * height * (kind == '3' ? 3 : 1);
            NetpbmPlainSamples.RefuseIncomplete(data, position, need, (int)maxval, bitmap, image, source);
        }
    }

    internal static ImageFormatException NotValid(string source, string problem) => new(source, $"not a valid {Name} image: {problem}");

    internal static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';

    internal static string Describe(byte b) => b is > 0x20 and < 0x7f ? $"'{(char)b}'" : $"byte 0x{b:X2}";

    /// <summary>Index just past the comment starting at <paramref name="position"/>, its closing CR or LF included.</summary>
    internal static int SkipComment(ReadOnlySpan<byte> data, int position)
    {
        int end = data[position..].IndexOfAny((byte)'\n', (byte)'\r');
        return end < 0 ? data.Length : position + end + 1;
    }

    /// <summary>Skips the whitespace and comments before a header token, then reads the token as a decimal number.</summary>
    private static long ReadNumber(ReadOnlySpan<byte> data, ref int position, string what, string source)
    {
        int start = position;
        while (position < data.Length && (IsWhitespace(data[position]) || data[position] == '#'))
        {
            position = data[position] == '#' ? SkipComment(data, position) : position + 1;
        }

        if (position == start || position == data.Length || !char.IsAsciiDigit((char)data[position]))
        {
            throw NotValid(source, position == data.Length
                ? $"its header ends before the {what}."
                : $"its header has {Describe(data[position])} where whitespace and the {what} should be.");
        }

        long value = 0;
        for (; position < data.Length && char.IsAsciiDigit((char)data[position]); position++)
        {
            value = value * 10 + (data[position] - '0');
            if (value > int.MaxValue)
            {
                throw NotValid(source, $"its {what} is too large.");
            }
        }

        if (position < data.Length && !IsWhitespace(data[position]) && data[position] != '#')
        {
            throw NotValid(source, $"its {what} is followed by {Describe(data[position])}.");
        }

        return value;
    }

    /// <summary>Where a binary raster starts: after the last header token, any comments, and exactly one whitespace byte.</summary>
    private static int StartOfBinaryPixels(ReadOnlySpan<byte> data, int position, string source)
    {
        while (position < data.Length && data[position] == '#')
        {
            position = SkipComment(data, position);
        }

        if (position == data.Length)
        {
            throw NotValid(source, "truncated: the file ends with its header, before any pixel.");
        }

        return IsWhitespace(data[position])
            ? position + 1
            : throw NotValid(source, $"its header is followed by {Describe(data[position])}, not the one whitespace byte before the pixels.");
    }
}
