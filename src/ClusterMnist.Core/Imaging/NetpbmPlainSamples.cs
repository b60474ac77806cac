namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Reads through the samples of a plain (text) PBM, PGM or PPM raster, up to the last one its header declares, and
/// refuses what ImageSharp 2.1's plain decoder would misread instead of rejecting: too few samples (it leaves the rest
/// of the picture empty), a sample above the maxval (it keeps the low bits, so 300 becomes 44), a byte that is not a
/// digit, whitespace or a comment (it takes it as a separator, so <c>-1</c> becomes two pixels), and PBM digits with no
/// whitespace between them (the spec allows it, but the decoder reads <c>0110</c> as one pixel). One pass, no allocation.
/// </summary>
internal static class NetpbmPlainSamples
{
    // Digits of a refused sample quoted in a message; a longer one is cut with an ellipsis.
    private const int QuotedDigits = 20;

    /// <summary>
    /// Throws unless <paramref name="data"/> holds <paramref name="need"/> valid samples from <paramref name="position"/> on;
    /// <paramref name="bitmap"/> for P1, whose samples are single digits 0 and 1.
    /// </summary>
    /// <exception cref="ImageFormatException">Too few samples, or one the decoder would misread.</exception>
    public static void RefuseIncomplete(ReadOnlySpan<byte> data, int position, long need, int maxval, bool bitmap, string image, string source)
    {
        long count = 0;
        while (count < need && position < data.Length)
        {
            byte b = data[position];
            if (NetpbmLayout.IsWhitespace(b))
            {
                position++;
                continue;
            }

            if (b == '#')
            {
                position = NetpbmLayout.SkipComment(data, position);
                continue;
            }

            if (!char.IsAsciiDigit((char)b))
            {
                throw NetpbmLayout.NotValid(
                    source, $"its pixel data holds {NetpbmLayout.Describe(b)} at offset {position:N0}, which is not a digit, whitespace or a comment.");
            }

            int start = position;
            long value = 0;
            for (; position < data.Length && char.IsAsciiDigit((char)data[position]); position++)
            {
                value = Math.Min(value * 10 + (data[position] - '0'), int.MaxValue);
            }

            ReadOnlySpan<byte> digits = data[start..position];
            count++;
            if (bitmap && digits.Length > 1)
            {
                throw NetpbmLayout.NotValid(
                    source, $"its 0s and 1s run together (\"{Quote(digits)}\" at offset {start:N0}); the format allows that, but the decoder "
                    + "used here would read the run as one pixel. Put whitespace between the digits, or save the picture as a binary PBM (P4) or PNG.");
            }

            if (value > maxval)
            {
                throw NetpbmLayout.NotValid(source, bitmap
                    ? $"digit {count:N0} of its pixel data is {Quote(digits)}; a PBM pixel is 0 or 1."
                    : $"number {count:N0} of its pixel data is {Quote(digits)}, above the maxval {maxval:N0}.");
            }
        }

        if (count < need)
        {
            throw NetpbmLayout.NotValid(
                source, $"truncated: its pixel data holds {count:N0} {(bitmap ? "digits" : "numbers")} of the {need:N0} {image} needs.");
        }
    }

    private static string Quote(ReadOnlySpan<byte> digits) => digits.Length > QuotedDigits
        ? System.Text.Encoding.ASCII.GetString(digits[..QuotedDigits]) + "…"
        : System.Text.Encoding.ASCII.GetString(digits);
}
