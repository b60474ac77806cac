using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cluster.Tests.Security;

public sealed class ClusterCertificateTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("clustermnist-cert-tests-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void CreateNew_MakesASelfSignedEcdsaP256Certificate_WithKey_ValidForTenYears()
    {
        using var certificate = ClusterCertificate.CreateNew();

        var x509 = certificate.Certificate;
        Assert.Equal(ClusterCertificate.SubjectName, x509.Subject);
        Assert.Equal(x509.Subject, x509.Issuer);
        Assert.True(x509.HasPrivateKey);
        using var key = x509.GetECDsaPrivateKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.InRange(x509.NotBefore.ToUniversalTime(), DateTime.UtcNow.AddDays(-2), DateTime.UtcNow);
        Assert.InRange((x509.NotAfter - x509.NotBefore).TotalDays, 3650, 3660);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(x509.RawData)), certificate.Thumbprint);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData(null)]
    public void ExportedPfx_LoadsAsTheSameCertificate_AndIsItsPeer(string? password)
    {
        using var original = ClusterCertificate.CreateNew();
        string path = Write("cluster.pfx", original.ExportPfx(password));

        using var loaded = ClusterCertificate.Load(path, password);

        Assert.Equal(original.Thumbprint, loaded.Thumbprint);
        Assert.True(loaded.Certificate.HasPrivateKey);
        Assert.True(loaded.IsClusterPeer(original.Certificate));
        Assert.True(original.IsClusterPeer(loaded.Certificate));

        // A peer sends only the public certificate; that is what the pin sees.
        using var publicOnly = X509CertificateLoader.LoadCertificate(original.Certificate.RawData);
        Assert.True(loaded.IsClusterPeer(publicOnly));
    }

    [Fact]
    public void IsClusterPeer_IsFalse_ForAnotherCertificateWithTheSameSubject_OrNone()
    {
        using var cluster = ClusterCertificate.CreateNew();
        using var other = ClusterCertificate.CreateNew();

        Assert.Equal(cluster.Certificate.Subject, other.Certificate.Subject);
        Assert.False(cluster.IsClusterPeer(other.Certificate));
        Assert.False(cluster.IsClusterPeer(null));
    }

    [Fact]
    public void IsClusterPeer_IsFalse_OutsideTheValidityPeriod()
    {
        using var expired = ClusterCertificate.CreateNew(DateTimeOffset.UtcNow.AddYears(-2), DateTimeOffset.UtcNow.AddDays(-1));

        Assert.False(expired.IsClusterPeer(expired.Certificate));
    }

    [Fact]
    public void ValidatePeer_ToleratesOnlyTheChainAndNameErrorsOfASelfSignedCertificate()
    {
        using var cluster = ClusterCertificate.CreateNew();
        using var other = ClusterCertificate.CreateNew();
        const SslPolicyErrors selfSigned = SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch;

        Assert.True(cluster.ValidatePeer(this, cluster.Certificate, null, selfSigned));
        Assert.True(cluster.ValidatePeer(this, cluster.Certificate, null, SslPolicyErrors.None));
        Assert.False(cluster.ValidatePeer(this, other.Certificate, null, SslPolicyErrors.None));
        Assert.False(cluster.ValidatePeer(this, cluster.Certificate, null, SslPolicyErrors.RemoteCertificateNotAvailable));
        Assert.False(cluster.ValidatePeer(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void Load_NamesTheFile_WhenItIsMissing()
    {
        string path = Path.Combine(_directory.FullName, "missing.pfx");

        var error = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, null));

        Assert.Contains(path, error.Message);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void Load_NamesTheFile_WhenItIsNotAPfx()
    {
        using var certificate = ClusterCertificate.CreateNew();
        foreach (var (name, bytes) in new[] { ("text.pfx", "not a certificate"u8.ToArray()), ("public.cer", certificate.Certificate.RawData) })
        {
            string path = Write(name, bytes);

            var error = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, null));

            Assert.Contains(path, error.Message);
            Assert.Contains("not a PFX", error.Message);
        }
    }

    [Fact]
    public void Load_NamesTheFile_WhenThePasswordIsWrongOrMissing()
    {
        using var certificate = ClusterCertificate.CreateNew();
        string path = Write("cluster.pfx", certificate.ExportPfx("0123456789abcdef0123456789abcdef"));

        var wrong = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, "fedcba9876543210fedcba9876543210"));
        var missing = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, null));

        Assert.Contains(path, wrong.Message);
        Assert.Contains("password", wrong.Message);
        Assert.Contains(path, missing.Message);
        Assert.Contains("CLUSTERMNIST_CERT_PASSWORD", missing.Message);
    }

    [Fact]
    public void Load_NamesTheFile_WhenItHoldsNoPrivateKey()
    {
        using var certificate = ClusterCertificate.CreateNew();
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.Certificate.RawData);
        string path = Write("public-only.pfx", publicOnly.Export(X509ContentType.Pkcs12));

        var error = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, null));

        Assert.Contains(path, error.Message);
        Assert.Contains("no private key", error.Message);
    }

    [Fact]
    public void Load_NamesTheFile_WhenTheCertificateIsExpiredOrNotYetValid()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = ClusterCertificate.CreateNew(now.AddDays(-10), now.AddDays(10));
        string path = Write("cluster.pfx", certificate.ExportPfx(null));

        var expired = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, null, now.AddDays(11)));
        var early = Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(path, null, now.AddDays(-11)));

        Assert.Contains(path, expired.Message);
        Assert.Contains("expired", expired.Message);
        Assert.Contains(path, early.Message);
        Assert.Contains("not valid before", early.Message);
        using var valid = ClusterCertificate.Load(path, null, now);
        Assert.Equal(certificate.Thumbprint, valid.Thumbprint);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
