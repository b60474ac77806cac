using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using SixLabors.ImageSharp.Formats.Jpeg;

namespace ClusterMnist.Server.Tests;

/// <summary>
/// Decompression bombs like the probe's: small files whose headers declare tens of millions of pixels. The PNGs carry
/// real compressed rows of zeros (written in small pieces, so making them costs this process no memory).
/// </summary>
internal static class PictureBombs
{
    /// <summary>A PNG of <paramref name="width"/> × <paramref name="height"/> zero pixels; colour type 0 (grey) or 6 (RGBA).</summary>
    public static byte[] Png(int width, int height, byte colorType)
    {
        int channels = colorType == 6 ? 4 : 1;
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // Every row is filter byte 0 and zero samples, so the scanlines are one long run of zeros.
            var zeros = new byte[64 * 1024];
            for (long remaining = (long)height * (1 + (width * channels)); remaining > 0; remaining -= zeros.Length)
            {
                zlib.Write(zeros, 0, (int)Math.Min(zeros.Length, remaining));
            }
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = colorType;
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", idat.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A 16 × 16 JPEG whose frame header is rewritten to declare <paramref name="side"/> × <paramref name="side"/>.</summary>
    public static byte[] Jpeg(ushort side)
    {
        byte[] jpeg = TestPictures.Grey(new byte[16 * 16], 16, 16, new JpegEncoder { Quality = 90 });
        for (int i = 2; i + 9 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), side);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), side);
                return jpeg;
            }
        }

        throw new InvalidOperationException("the encoder wrote no frame header");
    }

    private static void WriteChunk(Stream output, string type, byte[] body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        output.Write(word);
        byte[] typeAndBody = [.. Encoding.ASCII.GetBytes(type), .. body];
        output.Write(typeAndBody);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.HashToUInt32(typeAndBody));
        output.Write(word);
    }
}
