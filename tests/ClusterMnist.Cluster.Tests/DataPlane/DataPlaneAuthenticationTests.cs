using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>
/// Strangers are closed before any tensor byte is read: the server never hands their connection over (so no gate is
/// ever asked about a frame of theirs), logs why, and goes on serving the real workers.
/// </summary>
public sealed class DataPlaneAuthenticationTests
{
    [Fact]
    public async Task ClientWithAnotherCertificate_IsClosedByTheServer_AndOthersAreServed()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);
        using var stranger = ClusterCertificate.CreateNew();
        byte[] ticket = harness.Server.Authorize("w1");

        // A client that trusts anything, so only the server's check can stop it; it even holds a valid ticket.
        bool closed = await TryTlsClientAsync(harness.Port, stranger.Certificate, DataPlaneHello.Encode("w1", ticket));

        Assert.True(closed);
        string line = await harness.ServerLog.WaitForAsync("closed", "before authentication", stranger.Thumbprint, "not the cluster certificate");
        Assert.Contains("127.0.0.1", line);
        Assert.Equal(0, harness.AcceptedCount);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task DataPlaneClientWithAnotherCertificate_RefusesTheServer()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);
        using var stranger = ClusterCertificate.CreateNew();

        var refusal = await Assert.ThrowsAsync<DataPlaneException>(() =>
            harness.ConnectAsync("w1", harness.Server.Authorize("w1"), DataPlaneSecurity.MutualTls(stranger)));

        Assert.Contains("not the cluster certificate", refusal.Message);
        Assert.Equal(0, harness.AcceptedCount);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task ClientWithoutCertificate_IsClosedByTheServer()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);
        byte[] ticket = harness.Server.Authorize("w1");

        bool closed = await TryTlsClientAsync(harness.Port, clientCertificate: null, DataPlaneHello.Encode("w1", ticket));

        Assert.True(closed);
        await harness.ServerLog.WaitForAsync("before authentication", "presented no certificate");
        Assert.Equal(0, harness.AcceptedCount);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task ClientWithoutTls_IsClosedByATlsServer()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: true);

        await Assert.ThrowsAsync<DataPlaneException>(() =>
            harness.ConnectAsync("w1", harness.Server.Authorize("w1"), DataPlaneSecurity.PlaintextForTrustedNetwork()));

        await harness.ServerLog.WaitForAsync("before authentication", "TLS handshake failed");
        Assert.Equal(0, harness.AcceptedCount);
        await harness.AssertStillServesAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WrongTicket_IsRefused_AndTheRightOneStillWorks(bool encrypted)
    {
        await using var harness = DataPlaneHarness.Start(encrypted);
        byte[] ticket = harness.Server.Authorize("w1");
        byte[] wrong = (byte[])ticket.Clone();
        wrong[^1] ^= 1;

        var refusal = await Assert.ThrowsAsync<DataPlaneException>(() => harness.ConnectAsync("w1", wrong));

        Assert.Contains("refused the ticket", refusal.Message);
        await harness.ServerLog.WaitForAsync("before authentication", "wrong ticket for worker 'w1'");
        Assert.Equal(0, harness.AcceptedCount);
        await harness.ConnectAsync("w1", ticket);
        Assert.Equal("w1", (await harness.NextAcceptedAsync()).WorkerId);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ticket_OpensOneConnectionOnly(bool encrypted)
    {
        await using var harness = DataPlaneHarness.Start(encrypted);
        byte[] ticket = harness.Server.Authorize("w1");
        await harness.ConnectAsync("w1", ticket);

        await Assert.ThrowsAsync<DataPlaneException>(() => harness.ConnectAsync("w1", ticket));

        await harness.ServerLog.WaitForAsync("before authentication", "no ticket issued to worker 'w1'");
        Assert.Equal(1, harness.AcceptedCount);
    }

    [Fact]
    public async Task TicketOfAnotherWorker_NeverIssued_OrRevoked_IsRefused()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false);
        byte[] ticketOfW1 = harness.Server.Authorize("w1");
        byte[] revoked = harness.Server.Authorize("w3");
        harness.Server.Revoke("w3");

        await Assert.ThrowsAsync<DataPlaneException>(() => harness.ConnectAsync("w2", ticketOfW1));
        await Assert.ThrowsAsync<DataPlaneException>(() => harness.ConnectAsync("w3", revoked));

        await harness.ServerLog.WaitForAsync("no ticket issued to worker 'w2'");
        await harness.ServerLog.WaitForAsync("no ticket issued to worker 'w3'");
        Assert.Equal(0, harness.AcceptedCount);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task ReauthorizedWorker_UsesTheNewTicket_NotTheOld()
    {
        await using var harness = DataPlaneHarness.Start(encrypted: false);
        byte[] first = harness.Server.Authorize("w1");
        byte[] second = harness.Server.Authorize("w1");

        await Assert.ThrowsAsync<DataPlaneException>(() => harness.ConnectAsync("w1", first));
        await harness.ConnectAsync("w1", second);

        Assert.Equal("w1", (await harness.NextAcceptedAsync()).WorkerId);
    }

    /// <summary>
    /// A raw TLS client that accepts any server certificate, offers <paramref name="clientCertificate"/>, sends
    /// <paramref name="hello"/> and a gradient frame, and reports whether the server closed the connection without
    /// answering. (With TLS 1.3 the client's handshake completes before the server has checked the client's certificate,
    /// so the refusal shows up on the first read.)
    /// </summary>
    private static async Task<bool> TryTlsClientAsync(int port, X509Certificate2? clientCertificate, byte[] hello)
    {
        using var guard = new CancellationTokenSource(DataPlaneHarness.HangGuard);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, guard.Token);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = ClusterCertificate.DnsName,
                ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }, guard.Token);
            await tls.WriteAsync(hello, guard.Token);
            var frame = new byte[DataFrameHeader.Size + 1024];
            new DataFrameHeader(DataFrameKind.GradientSum, 1024, 1).Write(frame);
            await tls.WriteAsync(frame, guard.Token);
            return await tls.ReadAsync(new byte[DataPlaneHello.AnswerBytes], guard.Token) == 0;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return true;
        }
    }
}
