using System.Buffers.Binary;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The fixed 16-byte little-endian header before every payload: kind (1 byte), three zero bytes, payload length
/// (int32) and id (int64: the parameter version or the assignment). The payload follows as raw bytes.
/// </summary>
/// <param name="Kind">What the payload is.</param>
/// <param name="PayloadLength">Bytes of payload after the header.</param>
/// <param name="Id">The parameter version or assignment id the payload belongs to.</param>
public readonly record struct DataFrameHeader(DataFrameKind Kind, int PayloadLength, long Id)
{
    /// <summary>Bytes of a header on the wire.</summary>
    public const int Size = 16;

    /// <summary>
    /// Largest payload a frame may carry, 1 GiB: a receiver holds each payload in one buffer. A header announcing more
    /// is malformed. A model's float32 parameters travel as one frame, so the coordinator command refuses a model of
    /// more than 268,435,456 parameters.
    /// </summary>
    public const int MaxPayloadLength = 1 << 30;

    /// <summary>Writes this header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        destination[..4].Clear();
        destination[0] = (byte)Kind;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], PayloadLength);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Id);
    }

    /// <summary>Reads a header, or says why the bytes are not one (unknown kind, non-zero padding, a length below 0 or above <see cref="MaxPayloadLength"/>).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out DataFrameHeader header, out string? problem)
    {
        header = new DataFrameHeader((DataFrameKind)source[0], BinaryPrimitives.ReadInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]));
        problem = !Enum.IsDefined(header.Kind) ? $"unknown frame kind {source[0]}"
            : (source[1] | source[2] | source[3]) != 0 ? "non-zero padding in the frame header"
            : header.PayloadLength < 0 ? $"negative payload length {header.PayloadLength}"
            : header.PayloadLength > MaxPayloadLength ? $"payload length {header.PayloadLength} above the limit of {MaxPayloadLength} bytes"
            : null;
        return problem is null;
    }
}
