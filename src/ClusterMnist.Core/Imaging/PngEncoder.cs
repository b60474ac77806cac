using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Writes minimal PNG files (IHDR, one IDAT, IEND; 8 bits per sample) so tests and tools can save digits as images.
/// </summary>
public static class PngEncoder
{
    /// <summary>Encodes 8-bit greyscale <paramref name="pixels"/> (width × height, row-major, 0 = black).</summary>
    public static byte[] EncodeGrey(ReadOnlySpan<byte> pixels, int width, int height) =>
        Encode(pixels, width, height, PngColorType.Grey);

    /// <summary>
    /// Encodes <paramref name="samples"/> (width × height pixels of the channels <paramref name="colorType"/> implies,
    /// interleaved, row-major). <paramref name="filter"/> (0–4) is applied to every row; null cycles through all
    /// five by row, which exercises every filter a decoder must undo.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> samples, int width, int height, PngColorType colorType, int? filter = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (filter is < 0 or > 4)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter types are 0–4.");
        }

        int bpp = colorType switch
        {
            PngColorType.Grey => 1,
            PngColorType.GreyAlpha => 2,
            PngColorType.Rgb => 3,
            PngColorType.Rgba => 4,
            _ => throw new ArgumentOutOfRangeException(nameof(colorType), colorType, null),
        };
        int stride = width * bpp;
        if (samples.Length != stride * height)
        {
            throw new ArgumentException($"expected {stride * height} samples for {width}×{height} {colorType}, got {samples.Length}.", nameof(samples));
        }

        var scanlines = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++)
        {
            int type = filter ?? y % 5;
            ReadOnlySpan<byte> row = samples.Slice(y * stride, stride);
            ReadOnlySpan<byte> up = y > 0 ? samples.Slice((y - 1) * stride, stride) : new byte[stride];
            Span<byte> line = scanlines.AsSpan(y * (stride + 1), stride + 1);
            line[0] = (byte)type;
            for (int i = 0; i < stride; i++)
            {
                int left = i >= bpp ? row[i - bpp] : 0;
                int upLeft = i >= bpp ? up[i - bpp] : 0;
                int predicted = type switch
                {
                    0 => 0,
                    1 => left,
                    2 => up[i],
                    3 => (left + up[i]) >> 1,
                    _ => PngDecoder.Paeth(left, up[i], upLeft),
                };
                line[i + 1] = (byte)(row[i] - predicted);
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(scanlines);
        }

        using var png = new MemoryStream();
        png.Write(PngDecoder.Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;
        header[9] = (byte)colorType;
        header[10] = 0;
        header[11] = 0;
        header[12] = 0;
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        output.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Append(0, typeBytes), body));
        output.Write(word);
    }
}
