using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace ClusterMnist.Core.Data;

/// <summary>
/// Decompresses a gzip file and, at its end, checks the whole file against the trailer in its last eight bytes: the
/// CRC-32 and the length (mod 2³²) of everything decompressed. <see cref="GZipStream"/> alone reads a file cut short
/// inside its trailer, or followed by junk, without a word; then those last eight bytes are not the trailer and do
/// not match. (A file of several gzip members is refused the same way; data files are written as one.)
/// </summary>
internal sealed class CheckedGzipStream : Stream
{
    private const int HeaderBytes = 10;
    private const int TrailerBytes = 8;

    private readonly GZipStream _gzip;
    private readonly string _path;
    private readonly Crc32 _crc = new();
    private readonly uint _storedCrc;
    private readonly uint _storedLength;
    private readonly bool _hasTrailer;
    private long _length;
    private bool _checked;

    /// <summary>Reads <paramref name="file"/> (positioned at its start) and takes ownership of it.</summary>
    public CheckedGzipStream(FileStream file, string path)
    {
        _path = path;
        _hasTrailer = file.Length >= HeaderBytes + TrailerBytes;
        if (_hasTrailer)
        {
            Span<byte> trailer = stackalloc byte[TrailerBytes];
            file.Seek(-TrailerBytes, SeekOrigin.End);
            file.ReadExactly(trailer);
            file.Position = 0;
            _storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            _storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        }

        _gzip = new GZipStream(file, CompressionMode.Decompress);
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        int read = _gzip.Read(buffer);
        if (read > 0)
        {
            _crc.Append(buffer[..read]);
            _length += read;
        }
        else if (buffer.Length > 0 && !_checked)
        {
            _checked = true;
            CheckTrailer();
        }

        return read;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    private void CheckTrailer()
    {
        uint crc = _crc.GetCurrentHashAsUInt32();
        if (!_hasTrailer || crc != _storedCrc || (uint)_length != _storedLength)
        {
            throw new DataFormatException(_path,
                $"damaged gzip file: its last 8 bytes are not the trailer of the {_length:N0} bytes it decompresses to "
                + $"(CRC-32 0x{crc:X8}, stored 0x{_storedCrc:X8}; length {(uint)_length:N0}, stored {_storedLength:N0}). "
                + "The file is cut short, has bytes after its end, or is corrupt; download it again.");
        }
    }
}
