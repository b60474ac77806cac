using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>The worker's end of the data plane: connects to the coordinator's <see cref="DataPlaneServer"/>.</summary>
public static class DataPlaneClient
{
    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, completes TLS with the pinned cluster certificate
    /// (unless <paramref name="security"/> is plaintext), presents <paramref name="ticket"/> for
    /// <paramref name="workerId"/>, and returns the connection once the server accepts it. Throws
    /// <see cref="DataPlaneException"/> naming the server and the reason when it does not.
    /// </summary>
    public static async Task<DataPlaneConnection> ConnectAsync(string host, int port, string workerId, ReadOnlyMemory<byte> ticket,
        DataPlaneSecurity security, ILogger log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(security);
        ArgumentNullException.ThrowIfNull(log);
        byte[] hello = DataPlaneHello.Encode(workerId, ticket.Span);
        string server = $"{host}:{port}";
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        Stream? stream = null;
        CoalescingStream? coalescing = null;
        PeerCertificateCheck? check = security.Certificate is { } certificate ? new PeerCertificateCheck(certificate) : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            DataPlaneSockets.Configure(socket);
            stream = new NetworkStream(socket, ownsSocket: true);
            timeout.CancelAfter(security.HandshakeTimeout);
            if (check is not null)
            {
                coalescing = new CoalescingStream(stream);
                var tls = new SslStream(coalescing, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(security.ClientOptions(check.Validate), timeout.Token).ConfigureAwait(false);
            }

            await stream.WriteAsync(hello, timeout.Token).ConfigureAwait(false);
            var answer = await DataPlaneHello.ReadAnswerAsync(stream, timeout.Token).ConfigureAwait(false);
            if (answer != DataPlaneHello.Answer.Accepted)
            {
                throw new DataPlaneException($"the data-plane server {server} refused the ticket of worker '{workerId}' (wrong, revoked or already used)");
            }

            return new DataPlaneConnection(stream, coalescing, workerId, socket.RemoteEndPoint, log);
        }
        catch (Exception e)
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            socket.Dispose();
            Exception? described = e switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested => new DataPlaneException(
                    $"the data-plane server {server} did not complete the handshake within {security.HandshakeTimeout.TotalSeconds:0.#} s", e),
                AuthenticationException => new DataPlaneException($"TLS with the data-plane server {server} failed: {check?.Refusal ?? e.Message}", e),
                EndOfStreamException => new DataPlaneException($"the data-plane server {server} closed the connection during the handshake"
                    + (security.Encrypted ? "" : " (does it expect TLS?)"), e),
                IOException and not DataPlaneException or SocketException or InvalidDataException
                    => new DataPlaneException($"the data-plane handshake with {server} failed: {e.Message}", e),
                _ => null,
            };
            if (described is null)
            {
                throw;
            }

            throw described;
        }
    }
}
