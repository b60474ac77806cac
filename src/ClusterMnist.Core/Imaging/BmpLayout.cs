using System.Buffers.Binary;

namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Checks that an uncompressed BMP holds all the pixel rows its header declares. ImageSharp 2.1's BMP decoder ignores a
/// short read, so the rows a cut-off file lacks keep whatever its row buffer last held, and the file was read as some
/// other picture. Only the layouts whose size follows from the header are checked: a file header "BM", a
/// BITMAPINFOHEADER or a later Windows header (40, 52, 56, 108 or 124 bytes), and no compression (BI_RGB, BI_BITFIELDS,
/// BI_ALPHABITFIELDS). Run-length encoded bitmaps, the OS/2 headers and bitmap arrays are left to the decoder.
/// </summary>
internal static class BmpLayout
{
    private const int FileHeaderSize = 14;
    private const int InfoHeaderSize = 40;

    /// <summary>Throws when <paramref name="data"/>, an uncompressed BMP, ends before its last pixel row.</summary>
    /// <exception cref="ImageFormatException">Truncated.</exception>
    public static void RefuseIncomplete(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < FileHeaderSize + InfoHeaderSize || data[0] != 'B' || data[1] != 'M')
        {
            return;
        }

        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
        int bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);

        // 64 is OS/2 2.x, whose compression code 3 means Huffman, not bit fields.
        bool windowsHeader = headerSize is 40 or 52 or 56 or >= 108;
        bool uncompressed = compression is 0 or 3 or 6; // BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS
        if (!windowsHeader || !uncompressed || width <= 0 || height == 0 || bitsPerPixel is not (1 or 2 or 4 or 8 or 16 or 24 or 32))
        {
            return;
        }

        // Each row is padded to a multiple of 4 bytes; a negative height means the rows run top to bottom.
        long stride = ((long)bitsPerPixel * width + 31) / 32 * 4;
        long rows = Math.Abs((long)height);
        long need = pixelOffset + stride * rows;
        if (data.Length < need)
        {
            throw new ImageFormatException(
                source, $"not a valid BMP image: truncated: it holds {data.Length:N0} bytes of the {need:N0} its header needs "
                + $"({rows:N0} rows of {stride:N0} bytes from offset {pixelOffset:N0}).");
        }
    }
}
