// Checkpoint file layout (little-endian):
//   "CMNSTCKP" (8 bytes) | format version (int32) | payload length (int64) | payload | SHA-256 of all preceding bytes
// The payload is written field by field by CheckpointSerializer. The explicit length lets a truncated file be
// told apart from a corrupted one; the trailing hash catches any flipped byte.
using System.Security.Cryptography;
using System.Text;

namespace ClusterMnist.Core.Training;

/// <summary>Writes and reads <see cref="CheckpointState"/> files atomically and with integrity checks.</summary>
public static class Checkpoint
{
    /// <summary>The 8-byte file signature.</summary>
    public static ReadOnlySpan<byte> Magic => "CMNSTCKP"u8;

    /// <summary>The format version this build writes; it also reads <see cref="OldestReadableVersion"/> and later.</summary>
    public const int FormatVersion = 2;

    /// <summary>The oldest format version this build reads (format 1 did not record the data set's name).</summary>
    public const int OldestReadableVersion = 1;

    private const int HeaderLength = 8 + sizeof(int) + sizeof(long);

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> via a temporary file and an atomic rename.</summary>
    public static void Write(string path, CheckpointState state) => Write(path, state, FormatVersion);

    /// <summary>Writes in an older <paramref name="formatVersion"/>: for the tests that show such files still read.</summary>
    internal static void Write(string path, CheckpointState state, int formatVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(state);
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
            CheckpointSerializer.WritePayload(writer, state, formatVersion);

        using var content = new MemoryStream((int)payload.Length + HeaderLength + SHA256.HashSizeInBytes);
        content.Write(Magic);
        using (var writer = new BinaryWriter(content, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(formatVersion);
            writer.Write(payload.Length);
        }
        payload.Position = 0;
        payload.CopyTo(content);
        content.Write(SHA256.HashData(content.GetBuffer().AsSpan(0, (int)content.Length)));

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
            Directory.CreateDirectory(directory);
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(content.GetBuffer().AsSpan(0, (int)content.Length));
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Reads and verifies a checkpoint.</summary>
    /// <exception cref="CheckpointException">The file is missing, truncated, not a checkpoint, of another version, or corrupted.</exception>
    public static CheckpointState Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new CheckpointException(path, Directory.Exists(path) ? "is a folder, not a checkpoint file." : "file not found.");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new CheckpointException(path, $"cannot be read: {e.Message}", e);
        }
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw bytes.Length < Magic.Length && Magic.StartsWith(bytes)
                ? new CheckpointException(path, $"file is truncated ({bytes.Length} bytes).")
                : new CheckpointException(path, "not a ClusterMnist checkpoint (bad magic bytes).");
        }
        if (bytes.Length < HeaderLength)
            throw new CheckpointException(path, $"file is truncated ({bytes.Length} bytes, header needs {HeaderLength}).");
        int version = BitConverter.ToInt32(bytes, Magic.Length);
        if (version is < OldestReadableVersion or > FormatVersion)
            throw new CheckpointException(path, $"unsupported format version {version}; this build reads versions {OldestReadableVersion} to {FormatVersion}.");
        long payloadLength = BitConverter.ToInt64(bytes, Magic.Length + sizeof(int));
        if (payloadLength < 0 || payloadLength > Array.MaxLength)
            throw new CheckpointException(path, $"the payload-length field holds {payloadLength:N0}, which is not a length: the header is corrupted.");
        long expected = HeaderLength + payloadLength + SHA256.HashSizeInBytes;
        if (bytes.Length < expected)
            throw new CheckpointException(path, $"file is truncated: {bytes.Length:N0} bytes, but its payload-length field declares {expected:N0}.");
        if (bytes.Length > expected)
            throw new CheckpointException(path, $"file has {bytes.Length - expected:N0} unexpected trailing bytes after the {expected:N0} its payload-length field declares (corrupted).");
        int contentLength = (int)(HeaderLength + payloadLength);
        var actualHash = SHA256.HashData(bytes.AsSpan(0, contentLength));
        if (!actualHash.AsSpan().SequenceEqual(bytes.AsSpan(contentLength)))
            throw new CheckpointException(path, "checksum mismatch: the file is corrupted.");
        CheckpointState state;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, HeaderLength, (int)payloadLength), Encoding.UTF8);
            state = CheckpointSerializer.ReadPayload(reader, version);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidDataException or FormatException)
        {
            throw new CheckpointException(path, $"payload is malformed: {e.Message}", e);
        }

        // A hash only proves the file is as written; a run that diverged writes NaN faithfully. Refused here, every
        // reader (evaluate, predict, the server, --resume) refuses it instead of answering 10 % or training on NaN.
        EnsureFinite(path, "parameter", state.Parameters);
        EnsureFinite(path, "optimizer-state value", state.OptimizerState);
        return state;
    }

    private static void EnsureFinite(string path, string field, float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                string value = float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+Infinity" : "-Infinity";
                throw new CheckpointException(path,
                    $"{field} {i:N0} of {values.Length:N0} is {value}; a checkpoint with non-finite values (NaN or ±Infinity) "
                    + "cannot be evaluated, served or resumed (the run that wrote it had diverged).");
            }
        }
    }
}
