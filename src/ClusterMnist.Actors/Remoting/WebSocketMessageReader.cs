using System.Net.WebSockets;

namespace ClusterMnist.Actors.Remoting;

/// <summary>One whole WebSocket message: its bytes, or the close status when the peer closed.</summary>
internal readonly record struct ReceivedMessage(WebSocketMessageType Type, byte[] Buffer, int Length, WebSocketCloseStatus? CloseStatus, string? CloseDescription);

/// <summary>
/// Reassembles messages that span several frames. Each message gets its own buffer, so decoded records may keep
/// views into it. Small messages are read through a reusable scratch buffer and copied out; large ones go into a
/// buffer leased from <see cref="ReceiveBufferPool"/>, sized after the last large message, so steady-size tensors
/// arrive with no regrowth copies. The caller decides who owns a large buffer (see <see cref="ReceiveBufferPool"/>).
/// </summary>
internal sealed class WebSocketMessageReader(WebSocket socket, int maxMessageSize, Action onBytesReceived)
{
    private const int ScratchSize = 64 * 1024;
    private readonly byte[] _scratch = new byte[ScratchSize];
    private int _largeHint = 2 * ScratchSize;

    public async Task<ReceivedMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = _scratch;
        var count = 0;
        while (true)
        {
            if (count == buffer.Length)
            {
                buffer = Grow(buffer, count);
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
            onBytesReceived();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new ReceivedMessage(WebSocketMessageType.Close, [], 0, socket.CloseStatus, socket.CloseStatusDescription);
            }

            count += result.Count;
            if (count > maxMessageSize)
            {
                throw new MessageTooLargeException(count, maxMessageSize);
            }

            if (result.EndOfMessage)
            {
                if (ReferenceEquals(buffer, _scratch))
                {
                    buffer = _scratch.AsSpan(0, count).ToArray();
                }
                else
                {
                    _largeHint = Math.Max(2 * ScratchSize, count);
                }

                return new ReceivedMessage(result.MessageType, buffer, count, null, null);
            }
        }
    }

    /// <summary>
    /// After this side has sent a close frame: discards whatever is still in flight until the peer's close frame
    /// arrives. Aborting instead would reset the TCP connection, and a reset can destroy the close frame (and a
    /// Refused envelope) before the peer has read them.
    /// </summary>
    public static async Task DrainUntilCloseAsync(WebSocket socket, TimeSpan timeout)
    {
        var scratch = new byte[16 * 1024];
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch.AsMemory(), deadline.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer went away or never answered: the caller aborts the socket next.
        }
    }

    private byte[] Grow(byte[] buffer, int count)
    {
        // One byte past the limit lets an over-limit message be detected rather than silently truncated.
        var ceiling = (int)Math.Min((long)maxMessageSize + 1, int.MaxValue);
        var wanted = ReferenceEquals(buffer, _scratch) ? Math.Max(_largeHint, 2L * count) : 2L * buffer.Length;
        var grown = ReceiveBufferPool.Rent((int)Math.Min(wanted, ceiling), ceiling);
        buffer.AsSpan(0, count).CopyTo(grown);
        if (!ReferenceEquals(buffer, _scratch))
        {
            // Outgrown before anyone saw it.
            ReceiveBufferPool.Return(buffer);
        }

        return grown;
    }
}
