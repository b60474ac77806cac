using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>The admission of one new connection: TLS, hello, ticket; or a refusal, logged with the reason.</summary>
public sealed partial class DataPlaneServer
{
    /// <summary>TLS (if on), the hello, the ticket; then the connection goes to the application, or is closed and logged.</summary>
    private async Task AdmitAsync(Socket socket)
    {
        await Task.Yield(); // the accept loop goes on at once
        EndPoint? peer = socket.RemoteEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        DataPlaneConnection? connection = null;
        CoalescingStream? coalescing = null;
        string? refusal = null;
        string stage = _security.Encrypted ? "TLS handshake" : "hello";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(_security.HandshakeTimeout);
        PeerCertificateCheck? check = _security.Certificate is { } certificate ? new PeerCertificateCheck(certificate) : null;
        try
        {
            DataPlaneSockets.Configure(socket);
            if (check is not null)
            {
                coalescing = new CoalescingStream(stream);
                var tls = new SslStream(coalescing, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsServerAsync(_security.ServerOptions(check.Validate), timeout.Token).ConfigureAwait(false);
                stage = "hello";
            }

            var (workerId, ticket) = await DataPlaneHello.ReadAsync(stream, timeout.Token).ConfigureAwait(false);
            bool admitted = _tickets.TryRedeem(workerId, ticket, out refusal);
            await DataPlaneHello.WriteAnswerAsync(stream, admitted ? DataPlaneHello.Answer.Accepted : DataPlaneHello.Answer.TicketRefused, timeout.Token)
                .ConfigureAwait(false);
            if (admitted)
            {
                connection = new DataPlaneConnection(stream, coalescing, workerId, peer, _log);
            }
        }
        catch (OperationCanceledException)
        {
            refusal = _stopping.IsCancellationRequested ? null : $"no complete {stage} within {_security.HandshakeTimeout.TotalSeconds:0.#} s";
        }
        catch (AuthenticationException e)
        {
            refusal = $"TLS handshake failed: {check?.Refusal ?? e.Message}";
        }
        catch (InvalidDataException e)
        {
            refusal = e.Message;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            refusal = $"connection lost during the {stage}: {e.Message}";
        }
#pragma warning disable CA1031 // Whatever a stranger's bytes provoke must close that connection and free its slot, never stop the server.
        catch (Exception e)
#pragma warning restore CA1031
        {
            refusal = $"{stage} failed: {e.GetType().Name}: {e.Message}";
        }

        // The slot is free before the refusal is logged, so whoever reads the log may count on it.
        Interlocked.Decrement(ref _pending);
        if (connection is null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            if (refusal is not null)
            {
                _log.LogWarning("Data plane: closed {Peer} before authentication: {Reason}", peer, refusal);
            }

            return;
        }

        _log.LogInformation("Data plane: worker {WorkerId} connected from {Peer} ({Transport})", connection.WorkerId, peer, connection.Transport);
        try
        {
            _onConnected(connection);
        }
#pragma warning disable CA1031 // The application's bug must close this connection, not fault the server's bookkeeping.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _log.LogError(e, "Data plane: the connection handler failed for worker {WorkerId}; closing its connection", connection.WorkerId);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
