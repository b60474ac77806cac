using System.Buffers;

namespace ClusterMnist.Actors.Remoting;

/// <summary>
/// One serialized envelope waiting for the connection's send loop: a pooled head buffer, and after it the bytes of the
/// message's <see cref="OutboundAttachment"/>, if any, which stay in the message's own memory. Together they are one
/// WebSocket message.
/// </summary>
internal sealed class OutboundFrame(byte[] head, int headLength, OutboundAttachment attachment, string description)
{
    private byte[]? _head = head;
    private Action? _sent = attachment.Sent;

    /// <summary>The envelope up to the attachment's bytes (all of it when there is no attachment).</summary>
    public ReadOnlyMemory<byte> Head => _head is null ? ReadOnlyMemory<byte>.Empty : _head.AsMemory(0, headLength);

    /// <summary>The attachment's bytes, sent after <see cref="Head"/>; empty when none.</summary>
    public ReadOnlyMemory<byte> Tail { get; } = attachment.Bytes;

    public int Length => headLength + Tail.Length;

    /// <summary>What it carries, for logs ("Heartbeat", "USER GradientShard to /user/x").</summary>
    public string Description => description;

    /// <summary>The whole message in one new array (for tests and small frames).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        Head.Span.CopyTo(bytes);
        Tail.Span.CopyTo(bytes.AsSpan(headLength));
        return bytes;
    }

    /// <summary>Done with, sent or dropped: the head goes back to the pool and the attachment's owner is told.</summary>
    public void Return()
    {
        ReturnHead();
        Interlocked.Exchange(ref _sent, null)?.Invoke();
    }

    /// <summary>
    /// Never handed over (the tell that made it throws): the head goes back to the pool, but the attachment's owner is
    /// not told, since the caller still holds its memory.
    /// </summary>
    public void Discard()
    {
        ReturnHead();
        Volatile.Write(ref _sent, null);
    }

    private void ReturnHead()
    {
        var buffer = Interlocked.Exchange(ref _head, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
