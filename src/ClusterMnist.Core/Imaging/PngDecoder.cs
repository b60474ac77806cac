using System.Buffers.Binary;
using System.IO.Compression;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Decodes 8-bit, non-interlaced PNG (grey, grey+alpha, RGB, RGBA): checks the signature and every chunk's CRC,
/// joins the IDAT chunks, inflates them with <see cref="ZLibStream"/> and undoes the five per-row filters.
/// Anything else (palette, 16-bit, interlaced) is refused with a clear "unsupported" message.
/// </summary>
internal static class PngDecoder
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes <paramref name="data"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ImageFormatException">Not a PNG, corrupt, truncated or unsupported.</exception>
    public static Raster Decode(ReadOnlySpan<byte> data, string source)
    {
        if (!data.StartsWith(Signature))
        {
            throw new ImageFormatException(source, "not a PNG file (the PNG signature is missing).");
        }

        Header? header = null;
        using var compressed = new MemoryStream();
        bool ended = false;
        int offset = Signature.Length;
        while (!ended)
        {
            if (data.Length - offset < 12)
            {
                throw new ImageFormatException(source, "truncated PNG: the file ends before the IEND chunk.");
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            ReadOnlySpan<byte> typeBytes = data.Slice(offset + 4, 4);
            string type = System.Text.Encoding.ASCII.GetString(typeBytes);
            if (length > int.MaxValue || data.Length - offset - 12 < length)
            {
                throw new ImageFormatException(source, $"truncated PNG: the {type} chunk declares {length:N0} bytes that are not there.");
            }

            ReadOnlySpan<byte> body = data.Slice(offset + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 8 + (int)length)..]);
            uint actual = Crc32.Append(Crc32.Append(0, typeBytes), body);
            if (stored != actual)
            {
                throw new ImageFormatException(
                    source, $"corrupt PNG: CRC mismatch in the {type} chunk (stored 0x{stored:X8}, computed 0x{actual:X8}).");
            }

            switch (type)
            {
                case "IHDR":
                    header = ReadHeader(body, source);
                    break;
                case "IDAT":
                    if (header is null)
                    {
                        throw new ImageFormatException(source, "corrupt PNG: IDAT comes before IHDR.");
                    }

                    compressed.Write(body);
                    break;
                case "IEND":
                    ended = true;
                    break;
                case "PLTE" when header is { ColorType: 3 }:
                    break;
                default:
                    // Ancillary chunks (gAMA, tEXt, pHYs, ...) carry nothing a digit needs. An unknown critical
                    // chunk (upper-case first letter) means the image cannot be understood without it.
                    if (char.IsUpper(type[0]) && type != "PLTE")
                    {
                        throw new ImageFormatException(source, $"unsupported PNG: unknown critical chunk {type}.");
                    }

                    break;
            }

            offset += 12 + (int)length;
        }

        if (header is null)
        {
            throw new ImageFormatException(source, "corrupt PNG: no IHDR chunk.");
        }

        byte[] scanlines = Inflate(compressed, header, source);
        byte[] samples = Unfilter(scanlines, header, source);
        return ToRaster(samples, header);
    }

    private sealed record Header(int Width, int Height, int ColorType, int Channels);

    private static Header ReadHeader(ReadOnlySpan<byte> body, string source)
    {
        if (body.Length != 13)
        {
            throw new ImageFormatException(source, $"corrupt PNG: IHDR holds {body.Length} bytes, not 13.");
        }

        int width = BinaryPrimitives.ReadInt32BigEndian(body);
        int height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
        int bitDepth = body[8];
        int colorType = body[9];
        int interlace = body[12];
        if (width <= 0 || height <= 0 || (long)width * height > Raster.MaxPixels)
        {
            throw new ImageFormatException(source, $"unsupported PNG size {width}×{height}.");
        }

        if (interlace != 0)
        {
            throw new ImageFormatException(source, "unsupported PNG: interlaced (Adam7) images are not supported; save it without interlacing.");
        }

        int channels = colorType switch
        {
            0 => 1,
            2 => 3,
            4 => 2,
            6 => 4,
            3 => throw new ImageFormatException(source, "unsupported PNG: palette (indexed-colour) images are not supported; save it as greyscale or RGB."),
            _ => throw new ImageFormatException(source, $"corrupt PNG: unknown colour type {colorType}."),
        };
        if (bitDepth != 8)
        {
            throw new ImageFormatException(source, $"unsupported PNG: {bitDepth}-bit samples; only 8-bit images are supported.");
        }

        if (body[10] != 0 || body[11] != 0)
        {
            throw new ImageFormatException(source, "unsupported PNG: unknown compression or filter method.");
        }

        return new Header(width, height, colorType, channels);
    }

    private static byte[] Inflate(MemoryStream compressed, Header header, string source)
    {
        long expected = (long)header.Height * (1 + (long)header.Width * header.Channels);
        var scanlines = new byte[expected];
        compressed.Position = 0;
        try
        {
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            int filled = 0;
            while (filled < scanlines.Length)
            {
                int read = zlib.Read(scanlines, filled, scanlines.Length - filled);
                if (read == 0)
                {
                    throw new ImageFormatException(
                        source, $"truncated PNG: the image data holds {filled:N0} of the {expected:N0} bytes its size needs.");
                }

                filled += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException(source, $"corrupt PNG: the compressed image data is damaged ({e.Message}).", e);
        }

        return scanlines;
    }

    private static byte[] Unfilter(byte[] scanlines, Header header, string source)
    {
        int bpp = header.Channels;
        int stride = header.Width * bpp;
        var samples = new byte[(long)stride * header.Height];
        for (int y = 0; y < header.Height; y++)
        {
            int filter = scanlines[y * (stride + 1)];
            ReadOnlySpan<byte> line = scanlines.AsSpan(y * (stride + 1) + 1, stride);
            Span<byte> row = samples.AsSpan(y * stride, stride);
            ReadOnlySpan<byte> up = y > 0 ? samples.AsSpan((y - 1) * stride, stride) : new byte[stride];
            switch (filter)
            {
                case 0:
                    line.CopyTo(row);
                    break;
                case 1:
                    for (int i = 0; i < stride; i++)
                    {
                        row[i] = (byte)(line[i] + (i >= bpp ? row[i - bpp] : 0));
                    }

                    break;
                case 2:
                    for (int i = 0; i < stride; i++)
                    {
                        row[i] = (byte)(line[i] + up[i]);
                    }

                    break;
                case 3:
                    for (int i = 0; i < stride; i++)
                    {
                        int left = i >= bpp ? row[i - bpp] : 0;
                        row[i] = (byte)(line[i] + ((left + up[i]) >> 1));
                    }

                    break;
                case 4:
                    for (int i = 0; i < stride; i++)
                    {
                        int left = i >= bpp ? row[i - bpp] : 0;
                        int upLeft = i >= bpp ? up[i - bpp] : 0;
                        row[i] = (byte)(line[i] + Paeth(left, up[i], upLeft));
                    }

                    break;
                default:
                    throw new ImageFormatException(source, $"corrupt PNG: row {y} uses unknown filter type {filter}.");
            }
        }

        return samples;
    }

    /// <summary>The Paeth predictor of the PNG specification: whichever neighbour is closest to left + up − upLeft.</summary>
    internal static int Paeth(int left, int up, int upLeft)
    {
        int p = left + up - upLeft;
        int pa = Math.Abs(p - left);
        int pb = Math.Abs(p - up);
        int pc = Math.Abs(p - upLeft);
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
    }

    private static Raster ToRaster(byte[] samples, Header header)
    {
        int pixels = header.Width * header.Height;
        var luminance = new float[pixels];
        float[]? alpha = header.Channels is 2 or 4 ? new float[pixels] : null;
        for (int p = 0; p < pixels; p++)
        {
            int s = p * header.Channels;
            luminance[p] = header.Channels >= 3
                ? (0.299f * samples[s] + 0.587f * samples[s + 1] + 0.114f * samples[s + 2]) / 255f
                : samples[s] / 255f;
            if (alpha is not null)
            {
                alpha[p] = samples[s + header.Channels - 1] / 255f;
            }
        }

        return new Raster(header.Width, header.Height, luminance, alpha);
    }
}
