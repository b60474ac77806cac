namespace ClusterMnist.Core.Data;

/// <summary>Opens data files, gzipped or raw, and reads them with errors turned into <see cref="DataFormatException"/>.</summary>
internal static class DataFile
{
    // Buffers grow towards the size a header declares instead of trusting it up front, so a corrupted header
    // cannot make the reader allocate gigabytes before finding out the data is not there.
    private const int InitialBufferBytes = 1 << 20;

    /// <summary>
    /// Opens <paramref name="path"/>, decompressing on the fly when it starts with the gzip magic bytes; the gzip
    /// trailer is checked once the data has been read to its end (<see cref="CheckedGzipStream"/>).
    /// </summary>
    public static Stream Open(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException(path, "file not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot open the file ({e.Message}).", e);
        }

        int first = file.ReadByte();
        int second = file.ReadByte();
        file.Position = 0;
        return first == 0x1f && second == 0x8b ? new CheckedGzipStream(file, path) : file;
    }

    /// <summary>True when <paramref name="stream"/> reads a gzip file (whose decompressed length is unknown).</summary>
    public static bool IsCompressed(Stream stream) => stream is CheckedGzipStream;

    /// <summary>
    /// Reads up to <paramref name="count"/> bytes; returns fewer only at the end of the data. Corrupt gzip data and
    /// I/O errors become <see cref="DataFormatException"/>.
    /// </summary>
    public static byte[] ReadUpTo(Stream stream, string path, long count)
    {
        if (count > Array.MaxLength)
        {
            throw new DataFormatException(path, $"the header declares {count:N0} bytes of data, more than one array can hold.");
        }

        var buffer = new byte[Math.Min(count, InitialBufferBytes)];
        int filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(count, (long)buffer.Length * 2));
            }

            int read = Read(stream, path, buffer.AsSpan(filled));
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        if (filled < buffer.Length)
        {
            Array.Resize(ref buffer, filled);
        }

        return buffer;
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes or reports how many were there.</summary>
    public static int ReadAtMost(Stream stream, string path, Span<byte> destination)
    {
        int filled = 0;
        while (filled < destination.Length)
        {
            int read = Read(stream, path, destination[filled..]);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }

    /// <summary>True when <paramref name="stream"/> has no more bytes.</summary>
    public static bool AtEnd(Stream stream, string path)
    {
        Span<byte> one = stackalloc byte[1];
        return Read(stream, path, one) == 0;
    }

    private static int Read(Stream stream, string path, Span<byte> destination)
    {
        try
        {
            return stream.Read(destination);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new DataFormatException(path, $"cannot read the file ({e.Message}).", e);
        }
    }
}
