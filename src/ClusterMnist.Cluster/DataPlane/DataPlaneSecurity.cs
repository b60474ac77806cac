using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// How data-plane connections are protected. <see cref="MutualTls"/> (the default a node should use): TLS 1.3 or
/// 1.2, both sides present the cluster certificate and accept only it. <see cref="PlaintextForTrustedNetwork"/>:
/// no encryption, for a network where nobody can read or inject traffic; the caller should warn at start-up.
/// Either way a connection is handed over only after its hello carries a ticket the coordinator issued.
/// </summary>
public sealed record DataPlaneSecurity
{
    private readonly SslStreamCertificateContext? _context;

    private DataPlaneSecurity(ClusterCertificate? certificate)
    {
        Certificate = certificate;

        // Offline: the certificate is self-signed, so there is no chain to complete from the network.
        _context = certificate is null ? null : SslStreamCertificateContext.Create(certificate.Certificate, additionalCertificates: null, offline: true);
    }

    /// <summary>The cluster certificate both sides present and pin, or null for plaintext.</summary>
    public ClusterCertificate? Certificate { get; }

    /// <summary>True when connections use TLS.</summary>
    public bool Encrypted => Certificate is not null;

    /// <summary>
    /// How long a new connection may take to finish TLS and its hello before it is closed; also bounds the client's
    /// wait for the server's answer. Default 10 s.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many connections may be in their handshake at once; the server closes further ones on arrival, so idle
    /// strangers cannot hold unbounded sockets and memory. Default 64.
    /// </summary>
    public int MaxPendingHandshakes { get; init; } = 64;

    /// <summary>Mutual TLS pinned to <paramref name="certificate"/> (which the caller keeps and disposes).</summary>
    public static DataPlaneSecurity MutualTls(ClusterCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new DataPlaneSecurity(certificate);
    }

    /// <summary>Plaintext TCP with ticket authentication only: anyone on the path can read and alter tensors.</summary>
    public static DataPlaneSecurity PlaintextForTrustedNetwork() => new(certificate: null);

    internal SslServerAuthenticationOptions ServerOptions(RemoteCertificateValidationCallback validate) => new()
    {
        ServerCertificateContext = _context,
        ClientCertificateRequired = true,
        EnabledSslProtocols = Protocols,
        CertificateChainPolicy = ChainPolicy(),
        RemoteCertificateValidationCallback = validate,
    };

    internal SslClientAuthenticationOptions ClientOptions(RemoteCertificateValidationCallback validate) => new()
    {
        TargetHost = ClusterCertificate.DnsName,
        ClientCertificateContext = _context,
        EnabledSslProtocols = Protocols,
        CertificateChainPolicy = ChainPolicy(),
        RemoteCertificateValidationCallback = validate,
    };

    private const SslProtocols Protocols = SslProtocols.Tls13 | SslProtocols.Tls12;

    // The chain of a self-signed certificate never validates and is not what we check (the pin is); building it
    // must not reach for revocation lists or issuers on the network.
    private static X509ChainPolicy ChainPolicy() => new()
    {
        RevocationMode = X509RevocationMode.NoCheck,
        DisableCertificateDownloads = true,
    };
}
