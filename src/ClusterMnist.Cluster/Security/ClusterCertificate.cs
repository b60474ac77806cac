// The cluster's one credential: a self-signed certificate with its private key, the same file on every node. A node
// proves it belongs to the cluster by completing a TLS handshake with this certificate (which needs its private key),
// and accepts a peer only if the peer presents this very certificate. Nothing here consults a trust store or a
// certificate authority, so it works in a bare container.
//
// Key: ECDSA P-256. It gives the same ~128-bit security as RSA 3072, but the key is made in microseconds (RSA 3072
// key generation takes up to seconds), a handshake signature costs far less, and the certificate is a few hundred
// bytes. Every TLS 1.2/1.3 stack we talk to (OpenSSL under .NET, Akka.Remote's SslStream) supports it.
//
// Pin: the SHA-256 of the whole DER certificate, not of its SubjectPublicKeyInfo. Both are sound, because the TLS
// handshake already proves the peer holds the private key of the public key it shows. We pin the whole certificate
// because every node loads the same file, so "the same certificate" is exactly the rule, and because that hash is
// the thumbprint we print and log, which `openssl x509 -fingerprint -sha256` also shows: one number to compare.
// Pinning the public key would matter only for re-issuing a certificate around the same key, which we never do.
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterMnist.Cluster.Security;

/// <summary>
/// The cluster certificate: create one, export it as PFX, load it with clear errors, and recognise it when a peer
/// presents it (<see cref="IsClusterPeer"/>, <see cref="ValidatePeer"/>).
/// </summary>
public sealed class ClusterCertificate : IDisposable
{
    /// <summary>The subject of certificates made by <see cref="CreateNew()"/>.</summary>
    public const string SubjectName = "CN=clustermnist-cluster";

    /// <summary>The DNS name in that certificate; clients send it as the TLS server name.</summary>
    public const string DnsName = "clustermnist-cluster";

    /// <summary>How long a new certificate is valid: about ten years, as it is rotated by hand, if ever.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(3653);

    // Nodes' clocks differ: a certificate made on one machine must already be valid on another whose clock is behind.
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromDays(1);

    // ERROR_INVALID_PASSWORD: the loader's way, on every platform, of saying the password did not open the file.
    private const int WrongPasswordHResult = unchecked((int)0x80070056);

    private readonly byte[] _sha256;

    private ClusterCertificate(X509Certificate2 certificate)
    {
        Certificate = certificate;
        _sha256 = certificate.GetCertHash(HashAlgorithmName.SHA256);
        Thumbprint = Convert.ToHexString(_sha256);
    }

    /// <summary>The certificate with its private key, for configuring TLS (SslStream, Akka.Remote).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the DER certificate as upper-case hex: what logs show and what peers are pinned to.</summary>
    public string Thumbprint { get; }

    /// <summary>Makes a new self-signed certificate with an ECDSA P-256 key, valid from a day ago for <see cref="Validity"/>.</summary>
    public static ClusterCertificate CreateNew()
    {
        var now = DateTimeOffset.UtcNow;
        return CreateNew(now - ClockSkewAllowance, now + Validity);
    }

    /// <summary>A new certificate valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> (tests make expired ones).</summary>
    internal static ClusterCertificate CreateNew(DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));

        // Every node is both a TLS server and a TLS client with this one certificate.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(DnsName);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(notBefore, notAfter);

        // Through PFX and back, so a new certificate behaves exactly like one loaded from a file (on Windows, SslStream
        // cannot use the ephemeral key CreateSelfSigned attaches).
        return new ClusterCertificate(X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null, KeyStorage));
    }

    /// <summary>
    /// The certificate and its private key as PFX (PKCS#12, AES-256 and SHA-256 key protection). With no
    /// <paramref name="password"/> (null or empty) the key is protected only by where the file is kept.
    /// </summary>
    public byte[] ExportPfx(string? password) =>
        Certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, string.IsNullOrEmpty(password) ? null : password);

    /// <summary>
    /// Loads the cluster certificate from a PFX file. Throws <see cref="ClusterCertificateException"/>, naming the file,
    /// when it is missing, is not a PFX, the password is wrong, it holds no private key, or it is not valid now.
    /// </summary>
    public static ClusterCertificate Load(string path, string? password) => Load(path, password, DateTimeOffset.UtcNow);

    internal static ClusterCertificate Load(string path, string? password, DateTimeOffset now)
    {
        if (!File.Exists(path))
        {
            throw new ClusterCertificateException(Directory.Exists(path)
                ? $"cluster certificate {path} is a directory, not a PFX file."
                : $"cluster certificate {path} not found (make one with 'clustermnist cert --out {path}').");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, string.IsNullOrEmpty(password) ? null : password, KeyStorage);
        }
        catch (CryptographicException e) when (e.HResult == WrongPasswordHResult)
        {
            throw new ClusterCertificateException(string.IsNullOrEmpty(password)
                ? $"cluster certificate {path} is protected by a password; set CLUSTERMNIST_CERT_PASSWORD."
                : $"cluster certificate {path} cannot be opened with the given password (CLUSTERMNIST_CERT_PASSWORD is wrong for this file).", e);
        }
        catch (CryptographicException e)
        {
            throw new ClusterCertificateException($"cluster certificate {path} is not a PFX (PKCS#12) file: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterCertificateException($"cluster certificate {path} cannot be read: {e.Message}", e);
        }

        string? problem = !certificate.HasPrivateKey ? "holds no private key (a node needs the key to prove it belongs to the cluster)"
            : now < certificate.NotBefore.ToUniversalTime() ? $"is not valid before {certificate.NotBefore.ToUniversalTime():u} (is this machine's clock right?)"
            : now > certificate.NotAfter.ToUniversalTime() ? $"expired on {certificate.NotAfter.ToUniversalTime():u}; make a new one with 'clustermnist cert --out {path} --force'"
            : null;
        if (problem is not null)
        {
            certificate.Dispose();
            throw new ClusterCertificateException($"cluster certificate {path} {problem}.");
        }

        return new ClusterCertificate(certificate);
    }

    /// <summary>
    /// True only when <paramref name="peer"/> is this very certificate (same SHA-256 of its DER bytes) and it is valid
    /// now. Chains and names are irrelevant: the certificate is self-signed and pinned.
    /// </summary>
    public bool IsClusterPeer(X509Certificate? peer)
    {
        if (peer is null)
        {
            return false;
        }

        var now = DateTime.UtcNow;
        return CryptographicOperations.FixedTimeEquals(peer.GetCertHash(HashAlgorithmName.SHA256), _sha256)
            && now >= Certificate.NotBefore.ToUniversalTime() && now <= Certificate.NotAfter.ToUniversalTime();
    }

    /// <summary>
    /// A <see cref="RemoteCertificateValidationCallback"/> body: tolerates the chain and name errors a self-signed
    /// certificate always raises, refuses a missing certificate, and otherwise decides by <see cref="IsClusterPeer"/>.
    /// </summary>
    public bool ValidatePeer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        (errors & ~(SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch)) == SslPolicyErrors.None
        && IsClusterPeer(certificate);

    /// <summary>Releases the certificate and its private key.</summary>
    public void Dispose() => Certificate.Dispose();

    // Keys stay in memory, never in a key store on disk; Windows' TLS needs a key it can find, hence the default there.
    private static X509KeyStorageFlags KeyStorage =>
        OperatingSystem.IsWindows() ? X509KeyStorageFlags.DefaultKeySet : X509KeyStorageFlags.EphemeralKeySet;
}
