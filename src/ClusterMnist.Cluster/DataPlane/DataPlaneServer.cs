using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The coordinator's end of the data plane: listens for workers, and hands a connection to the application only
/// after TLS with the pinned cluster certificate (unless security is plaintext) and a hello whose one-time ticket
/// matches a worker <see cref="Authorize"/>d over the control plane. Until then it reads at most the hello's
/// bounded bytes, within the handshake timeout, and with a bounded number of handshakes at once. A connection that
/// fails any step is closed and logged with its address and the reason; the server goes on serving others.
/// </summary>
public sealed partial class DataPlaneServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly DataPlaneSecurity _security;
    private readonly ILogger _log;
    private readonly Action<DataPlaneConnection> _onConnected;
    private readonly TicketBook _tickets = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _handshakes = [];
    private readonly Task _accepting;
    private int _pending;

    private DataPlaneServer(Socket listener, DataPlaneSecurity security, ILogger log, Action<DataPlaneConnection> onConnected)
    {
        _listener = listener;
        _security = security;
        _log = log;
        _onConnected = onConnected;
        LocalEndpoint = (IPEndPoint)listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The address the server listens on (with the real port when bound to port 0).</summary>
    public IPEndPoint LocalEndpoint { get; }

    /// <summary>Connections now in TLS or hello (tests wait for strangers to be gone).</summary>
    internal int PendingHandshakes => Volatile.Read(ref _pending);

    /// <summary>
    /// Binds <paramref name="bind"/> and starts accepting. <paramref name="onConnected"/> receives each authenticated
    /// connection (on a pool thread) and owns it from then on: the server does not close it, even when disposed.
    /// </summary>
    public static DataPlaneServer Start(IPEndPoint bind, DataPlaneSecurity security, ILogger log, Action<DataPlaneConnection> onConnected)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(security);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(onConnected);
        var listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(bind);
            listener.Listen(backlog: 128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new DataPlaneServer(listener, security, log, onConnected);
    }

    /// <summary>
    /// Issues a one-time 16-byte ticket for <paramref name="workerId"/> (replacing any earlier one), to be sent to
    /// that worker over the control plane. Its next connection with this ticket is accepted; the ticket is then used up.
    /// </summary>
    public byte[] Authorize(string workerId) => _tickets.Issue(workerId);

    /// <summary>Forgets the ticket of <paramref name="workerId"/>: a connection presenting it is refused.</summary>
    public void Revoke(string workerId) => _tickets.Revoke(workerId);

    /// <summary>Stops listening and closes connections still in their handshake; handed-out connections stay open.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        Task[] handshakes;
        lock (_handshakes)
        {
            handshakes = [.. _handshakes];
        }

        await Task.WhenAll(handshakes).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // Out of file descriptors, or a connection reset while queued: log it, and do not spin on it.
                _log.LogWarning("Data plane: accepting a connection failed: {Message}", e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _pending) > _security.MaxPendingHandshakes)
            {
                Interlocked.Decrement(ref _pending);
                _log.LogWarning("Data plane: refused {Peer}: {Max} connections are already in their handshake",
                    socket.RemoteEndPoint, _security.MaxPendingHandshakes);
                socket.Dispose();
                continue;
            }

            var handshake = AdmitAsync(socket);
            lock (_handshakes)
            {
                _handshakes.RemoveAll(task => task.IsCompleted);
                _handshakes.Add(handshake);
            }
        }
    }
}
