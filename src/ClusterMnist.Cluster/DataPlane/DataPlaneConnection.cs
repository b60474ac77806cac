using System.Net;
using System.Net.Security;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// One authenticated data-plane connection between the coordinator and a worker: frames out with
/// <see cref="SendAsync"/>, frames in through the loop <see cref="StartReceiving"/> starts. Sends may come from any
/// thread (they are serialized); frames are delivered one at a time on the receive loop. Any protocol violation,
/// I/O error or <see cref="DisposeAsync"/> closes both directions and completes <see cref="Completion"/>.
/// </summary>
public sealed class DataPlaneConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly CoalescingStream? _coalescing;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _sendHeader = new byte[DataFrameHeader.Size];
    private readonly byte[] _receiveHeader = new byte[DataFrameHeader.Size];
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _receiving;

    // stream: SslStream, or the socket's NetworkStream for plaintext; coalescing: the stream under SslStream, if TLS.
    internal DataPlaneConnection(Stream stream, CoalescingStream? coalescing, string workerId, EndPoint? remoteEndPoint, ILogger log)
    {
        _stream = stream;
        _coalescing = coalescing;
        coalescing?.Enable();
        _log = log;
        WorkerId = workerId;
        RemoteEndPoint = remoteEndPoint;
        Transport = stream is SslStream tls ? $"{tls.SslProtocol} {tls.NegotiatedCipherSuite}" : "plaintext";
    }

    /// <summary>The worker this connection belongs to, as its ticket proved.</summary>
    public string WorkerId { get; }

    /// <summary>The address of the other end (the worker's on the coordinator, the coordinator's on a worker), for logs.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>True when the connection runs over TLS.</summary>
    public bool Encrypted => _stream is SslStream;

    /// <summary>How the bytes travel, for logs: the TLS version and cipher suite (e.g. "Tls13 TLS_AES_256_GCM_SHA384"), or "plaintext".</summary>
    public string Transport { get; }

    /// <summary>Completes, with the reason, when the connection has closed for any cause.</summary>
    public Task<string> Completion => _closed.Task;

    /// <summary>The buffers received payloads land in (tests check their reuse).</summary>
    internal PinnedBufferPool Buffers { get; } = new();

    // Both ends log through this, so it names the worker and the address of the other end.
    private string Peer => $"worker '{WorkerId}' (peer {RemoteEndPoint})";

    /// <summary>
    /// Sends one frame: the 16-byte header, then <paramref name="payload"/>, which must not change until the returned
    /// task completes. In plaintext the payload goes from the caller's memory straight to the socket; with TLS,
    /// SslStream encrypts it record by record and the records leave in large socket writes. Concurrent calls are
    /// queued. Cancelling a send that has begun closes the connection, because the peer would otherwise see half a frame.
    /// </summary>
    public async ValueTask SendAsync(DataFrameKind kind, long id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a data-plane frame kind");
        }

        // The peer would refuse the header and close the connection; say so here, where the caller can act on it.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, DataFrameHeader.MaxPayloadLength, nameof(payload));

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closed.Task.IsCompleted)
            {
                throw new DataPlaneException($"the data-plane connection of {Peer} is closed: {_closed.Task.Result}");
            }

            new DataFrameHeader(kind, payload.Length, id).Write(_sendHeader);
            _coalescing?.BeginFrame();
            await _stream.WriteAsync(_sendHeader, cancellationToken).ConfigureAwait(false);
            if (!payload.IsEmpty)
            {
                await _stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            }

            if (_coalescing is not null)
            {
                await _coalescing.EndFrameAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Close("a send was cancelled part way through a frame");
            throw;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException && e is not DataPlaneException)
        {
            string reason = Close($"sending failed: {e.Message}");
            throw new DataPlaneException($"the data-plane connection of {Peer} is closed: {reason}", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Starts the receive loop (once). For each frame, <paramref name="gate"/> sees the header before any payload byte
    /// is read; accepted payloads go to <paramref name="onFrame"/>, which then owns <see cref="DataFrame.Payload"/>
    /// and must dispose it. Both are called on the loop, one frame at a time, and must not block.
    /// </summary>
    public void StartReceiving(FrameGate gate, Action<DataFrame> onFrame)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(onFrame);
        var loop = new Task<Task>(() => ReceiveAsync(gate, onFrame));
        if (Interlocked.CompareExchange(ref _receiving, loop.Unwrap(), null) is not null)
        {
            throw new InvalidOperationException("The receive loop of this connection is already running.");
        }

        loop.Start(TaskScheduler.Default);
    }

    /// <summary>Closes the connection (both directions) and waits for the receive loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Close("closed by this side");
        if (_receiving is { } receiving)
        {
            await receiving.ConfigureAwait(false);
        }
    }

    private async Task ReceiveAsync(FrameGate gate, Action<DataFrame> onFrame)
    {
        string reason;
        try
        {
            reason = await ReceiveFramesAsync(gate, onFrame).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            reason = _closed.Task.IsCompleted ? _closed.Task.Result : $"receiving failed: {e.Message}";
        }
#pragma warning disable CA1031 // A bug in the gate or the frame handler must close this connection, not vanish in a loop nobody awaits.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.LogError(e, "Data plane: the frame gate or handler failed on the connection of {Peer}", Peer);
            reason = $"the frame gate or handler failed: {e.Message}";
        }

        Close(reason);
    }

    /// <summary>Reads frames until the peer closes or breaks the protocol; returns why it stopped.</summary>
    private async Task<string> ReceiveFramesAsync(FrameGate gate, Action<DataFrame> onFrame)
    {
        while (true)
        {
            int read = await _stream.ReadAtLeastAsync(_receiveHeader, DataFrameHeader.Size, throwOnEndOfStream: false).ConfigureAwait(false);
            if (read < DataFrameHeader.Size)
            {
                return read == 0 ? "the peer closed the connection" : "the peer closed the connection inside a frame header";
            }

            if (!DataFrameHeader.TryRead(_receiveHeader, out var header, out string? problem))
            {
                return Violation($"malformed frame: {problem}");
            }

            var verdict = gate(header);
            if (verdict.Decision == FrameDecision.Reject)
            {
                return Violation($"rejected {Describe(header)}: {verdict.Reason}");
            }

            var payload = Buffers.Rent(header.PayloadLength);
            try
            {
                await _stream.ReadExactlyAsync(payload.Memory).ConfigureAwait(false);
            }
            catch
            {
                payload.Dispose();
                throw;
            }

            if (verdict.Decision == FrameDecision.Stale)
            {
                payload.Dispose();
                _log.LogDebug("Data plane: dropped stale {Frame} from {Peer}: {Reason}", Describe(header), Peer, verdict.Reason);
                continue;
            }

            onFrame(new DataFrame(header, payload));
        }
    }

    private string Violation(string reason)
    {
        _log.LogWarning("Data plane: closing the connection of {Peer}: {Reason}", Peer, reason);
        return reason;
    }

    private static string Describe(DataFrameHeader header) => $"{header.Kind} frame {header.Id} of {header.PayloadLength} bytes";

    /// <summary>Completes <see cref="Completion"/> with the first reason given and closes the stream; returns that first reason.</summary>
    internal string Close(string reason)
    {
        if (_closed.TrySetResult(reason))
        {
            _stream.Dispose();
            _log.LogDebug("Data plane: connection of {Peer} closed: {Reason}", Peer, reason);
        }

        return _closed.Task.Result;
    }
}
