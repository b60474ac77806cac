using System.Buffers.Binary;

namespace ClusterMnist.Core.Data;

/// <summary>
/// Reads the IDX format MNIST is published in, gzipped or raw: a big-endian header (magic number, then one int32 per
/// dimension) followed by unsigned bytes. Images are idx3 (magic 0x00000803: count, rows, columns), labels idx1
/// (magic 0x00000801: count).
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an idx3 file of unsigned bytes (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an idx1 file of unsigned bytes (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Largest number of classes a label may name: labels must be 0–9.</summary>
    public const int ClassCount = 10;

    /// <summary>Reads an images file and its labels file into one checked <see cref="ImageSet"/>.</summary>
    /// <exception cref="DataFormatException">Either file is missing or malformed, or their counts differ.</exception>
    public static ImageSet Read(string imagesPath, string labelsPath)
    {
        var (pixels, count, rows, columns) = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath);
        if (labels.Length != count)
        {
            throw new DataFormatException(
                labelsPath,
                $"holds {labels.Length:N0} labels but {Path.GetFileName(imagesPath)} holds {count:N0} images; "
                + "image and label counts must match.");
        }

        return new ImageSet(pixels, labels, rows, columns, imagesPath);
    }

    /// <summary>Reads an idx3 images file: pixels image after image, row-major.</summary>
    /// <exception cref="DataFormatException">Missing file, bad magic number, bad dimensions or truncated data.</exception>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        using Stream stream = DataFile.Open(path);
        Span<byte> header = stackalloc byte[16];
        int headerBytes = DataFile.ReadAtMost(stream, path, header);
        CheckMagic(path, header[..Math.Min(4, headerBytes)], ImagesMagic, "images (idx3)");
        if (headerBytes < 16)
        {
            throw new DataFormatException(path, $"truncated header: {headerBytes} bytes, an idx3 header has 16.");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        if (count < 0 || rows <= 0 || columns <= 0)
        {
            throw new DataFormatException(
                path, $"wrong dimensions in the header: {count} images of {rows}×{columns} pixels.");
        }

        // Int128: three int32 dimensions multiply past long (0x7FFFFFFF³), which once surfaced as an OverflowException.
        Int128 bytes = (Int128)count * rows * columns;
        if (bytes > Array.MaxLength)
        {
            throw new DataFormatException(
                path, $"the header declares {count:N0} images of {rows:N0}×{columns:N0} pixels, {bytes:N0} bytes: "
                + $"more than one array can hold ({Array.MaxLength:N0}); the header is damaged or this is not an MNIST images file.");
        }

        long expected = (long)bytes;
        byte[] pixels = ReadBody(stream, path, expected, $"{count:N0} images of {rows}×{columns}");
        return (pixels, count, rows, columns);
    }

    /// <summary>Reads an idx1 labels file; every label must be 0–9.</summary>
    /// <exception cref="DataFormatException">Missing file, bad magic number, truncated data or a label above 9.</exception>
    public static byte[] ReadLabels(string path)
    {
        using Stream stream = DataFile.Open(path);
        Span<byte> header = stackalloc byte[8];
        int headerBytes = DataFile.ReadAtMost(stream, path, header);
        CheckMagic(path, header[..Math.Min(4, headerBytes)], LabelsMagic, "labels (idx1)");
        if (headerBytes < 8)
        {
            throw new DataFormatException(path, $"truncated header: {headerBytes} bytes, an idx1 header has 8.");
        }

        int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (count < 0)
        {
            throw new DataFormatException(path, $"wrong dimensions in the header: {count} labels.");
        }

        byte[] labels = ReadBody(stream, path, count, $"{count:N0} labels");
        int bad = labels.AsSpan().IndexOfAnyExceptInRange((byte)0, (byte)(ClassCount - 1));
        if (bad >= 0)
        {
            throw new DataFormatException(path, $"label {labels[bad]} at index {bad} is outside 0–9.");
        }

        return labels;
    }

    private static void CheckMagic(string path, ReadOnlySpan<byte> magicBytes, int expected, string what)
    {
        if (magicBytes.Length < 4)
        {
            throw new DataFormatException(
                path, $"truncated header: {magicBytes.Length} bytes, too short for the magic number of an IDX file.");
        }

        int magic = BinaryPrimitives.ReadInt32BigEndian(magicBytes);
        if (magic != expected)
        {
            string hint = magic switch
            {
                ImagesMagic => " (this is an images file)",
                LabelsMagic => " (this is a labels file)",
                _ => "",
            };
            throw new DataFormatException(
                path, $"bad magic number 0x{magic:X8}{hint}; expected 0x{expected:X8} for MNIST {what}.");
        }
    }

    private static byte[] ReadBody(Stream stream, string path, long expected, string declared)
    {
        if (!DataFile.IsCompressed(stream) && stream.Length - stream.Position < expected)
        {
            // Checked before allocating: a raw file's length says at once whether the data is all there.
            throw Truncated(path, declared, expected, stream.Length - stream.Position);
        }

        byte[] body = DataFile.ReadUpTo(stream, path, expected);
        if (body.Length < expected)
        {
            throw Truncated(path, declared, expected, body.Length);
        }

        if (!DataFile.AtEnd(stream, path))
        {
            throw new DataFormatException(
                path, $"has data after the {declared} the header declares; the header and the data disagree.");
        }

        return body;
    }

    private static DataFormatException Truncated(string path, string declared, long expected, long actual) =>
        new(path, $"truncated data: the header declares {declared} ({expected:N0} bytes) but only {actual:N0} bytes follow.");
}
