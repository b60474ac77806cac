namespace ClusterMnist.Core.Imaging;

/// <summary>
/// Reads an image file named on the command line, refusing what is not one: a directory, a pipe or terminal, a device
/// such as <c>/dev/zero</c> (which reports no size and never ends), or a file over <see cref="MaxBytes"/>. Without
/// these checks <c>predict m.ckpt /dev/zero</c> read until it ran out of memory.
/// </summary>
internal static class ImageFile
{
    /// <summary>Largest image file read: far above a phone photo (a few MB), far below a memory problem.</summary>
    public const int MaxBytes = 64 << 20;

    /// <exception cref="ImageFormatException">Missing, unreadable, not a regular file, or larger than <see cref="MaxBytes"/>.</exception>
    public static byte[] ReadAll(string path)
    {
        if (Directory.Exists(path))
        {
            throw new ImageFormatException(path, "is a directory, not an image file.");
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFormatException(path, "file not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot read the file ({e.Message}).", e);
        }

        using (stream)
        {
            if (!stream.CanSeek)
            {
                throw new ImageFormatException(path, "is not a regular file (a pipe, socket or terminal); give the path of an image file.");
            }

            long length = stream.Length;
            if (length > MaxBytes)
            {
                throw new ImageFormatException(path, $"is {length:N0} bytes; image files over {MaxBytes >> 20} MiB are refused.");
            }

            // One byte more than the size the file reports: a device or pseudo-file reports 0 and yields data anyway.
            var data = new byte[length + 1];
            int filled = 0;
            try
            {
                int read;
                while (filled < data.Length && (read = stream.Read(data, filled, data.Length - filled)) > 0)
                {
                    filled += read;
                }
            }
            catch (IOException e)
            {
                throw new ImageFormatException(path, $"cannot read the file ({e.Message}).", e);
            }

            if (filled > length)
            {
                throw new ImageFormatException(
                    path, $"is not a regular file: it reports {length:N0} bytes but yields more (a device such as /dev/zero?); give the path of an image file.");
            }

            return data[..filled];
        }
    }
}
