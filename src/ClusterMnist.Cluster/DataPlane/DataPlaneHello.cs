using System.Buffers.Binary;
using System.Text;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The first bytes a client sends (after TLS, if on), and the server's answer. The hello is a fixed 24-byte part —
/// magic "CMDP", version, worker-id length, two zero bytes, the 16-byte ticket — then the worker id in UTF-8, at most
/// <see cref="MaxWorkerIdBytes"/> bytes. The server reads the fixed part, checks it, and only then reads the id: an
/// unauthenticated peer can make it read no more than <see cref="MaxBytes"/> bytes, whatever it sends. The answer
/// is 8 bytes: magic, version, status, two zero bytes.
/// </summary>
internal static class DataPlaneHello
{
    public const int TicketBytes = 16;
    public const int MaxWorkerIdBytes = 128;
    public const int FixedBytes = 8 + TicketBytes;
    public const int MaxBytes = FixedBytes + MaxWorkerIdBytes;
    public const int AnswerBytes = 8;

    private const uint Magic = 0x50444D43; // "CMDP" in little-endian order
    private const byte Version = 1;

    /// <summary>The server's answer: the ticket opened the connection, or it did not (then the server closes).</summary>
    public enum Answer : byte
    {
        Accepted = 0,
        TicketRefused = 1,
    }

    /// <summary>The hello bytes for <paramref name="workerId"/> with <paramref name="ticket"/>.</summary>
    public static byte[] Encode(string workerId, ReadOnlySpan<byte> ticket)
    {
        CheckWorkerId(workerId);
        if (ticket.Length != TicketBytes)
        {
            throw new ArgumentException($"A data-plane ticket has {TicketBytes} bytes, not {ticket.Length}.", nameof(ticket));
        }

        int idBytes = Encoding.UTF8.GetByteCount(workerId);
        var hello = new byte[FixedBytes + idBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(hello, Magic);
        hello[4] = Version;
        hello[5] = (byte)idBytes;
        ticket.CopyTo(hello.AsSpan(8));
        Encoding.UTF8.GetBytes(workerId, hello.AsSpan(FixedBytes));
        return hello;
    }

    /// <summary>
    /// Throws unless <paramref name="workerId"/> fits a hello: 1 to <see cref="MaxWorkerIdBytes"/> bytes of UTF-8 and no
    /// control characters (ids end up in log lines, where a line break from a stranger could forge an entry).
    /// </summary>
    public static void CheckWorkerId(string workerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        if (Encoding.UTF8.GetByteCount(workerId) > MaxWorkerIdBytes || workerId.Any(char.IsControl))
        {
            throw new ArgumentException($"A worker id has 1 to {MaxWorkerIdBytes} bytes of UTF-8 and no control characters.", nameof(workerId));
        }
    }

    /// <summary>
    /// Reads one hello, never more than <see cref="MaxBytes"/> bytes. Throws <see cref="InvalidDataException"/> saying
    /// what is wrong with it, or <see cref="EndOfStreamException"/> when the peer stops early.
    /// </summary>
    public static async Task<(string WorkerId, byte[] Ticket)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBytes];
        await stream.ReadExactlyAsync(buffer.AsMemory(0, FixedBytes), cancellationToken).ConfigureAwait(false);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        int idBytes = buffer[5];
        string? problem = magic != Magic ? $"not a data-plane hello (first bytes {Convert.ToHexString(buffer, 0, 4)})"
            : buffer[4] != Version ? $"hello version {buffer[4]}, expected {Version}"
            : (buffer[6] | buffer[7]) != 0 ? "non-zero padding in the hello"
            : idBytes is 0 or > MaxWorkerIdBytes ? $"worker id of {idBytes} bytes (1 to {MaxWorkerIdBytes} allowed)"
            : null;
        if (problem is not null)
        {
            throw new InvalidDataException(problem);
        }

        await stream.ReadExactlyAsync(buffer.AsMemory(FixedBytes, idBytes), cancellationToken).ConfigureAwait(false);
        string workerId;
        try
        {
            workerId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, FixedBytes, idBytes);
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException("worker id is not valid UTF-8");
        }

        if (workerId.Any(char.IsControl))
        {
            throw new InvalidDataException("worker id contains control characters");
        }

        return (workerId, buffer[8..FixedBytes]);
    }

    /// <summary>Writes the server's answer.</summary>
    public static ValueTask WriteAnswerAsync(Stream stream, Answer answer, CancellationToken cancellationToken)
    {
        var bytes = new byte[AnswerBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        bytes[4] = Version;
        bytes[5] = (byte)answer;
        return stream.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Reads the server's answer (exactly <see cref="AnswerBytes"/> bytes); throws <see cref="InvalidDataException"/> if it is not one.</summary>
    public static async Task<Answer> ReadAnswerAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new byte[AnswerBytes];
        await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes) == Magic && bytes[4] == Version && Enum.IsDefined((Answer)bytes[5])
            ? (Answer)bytes[5]
            : throw new InvalidDataException("the server's answer to the hello is not a data-plane answer");
    }
}
