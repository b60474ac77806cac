using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// One handshake's certificate check: <see cref="ClusterCertificate.ValidatePeer"/>, remembering why it refused so
/// the log can say more than SslStream's "rejected by the validation callback".
/// </summary>
internal sealed class PeerCertificateCheck(ClusterCertificate cluster)
{
    public string? Refusal { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (cluster.ValidatePeer(sender, certificate, chain, errors))
        {
            return true;
        }

        string? presented = certificate is null ? null : Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256));
        Refusal = presented is null ? "the peer presented no certificate"
            : presented != cluster.Thumbprint ? $"the peer presented certificate {presented}, not the cluster certificate {cluster.Thumbprint}"
            : $"the cluster certificate is not valid now (valid {cluster.Certificate.NotBefore.ToUniversalTime():u} to {cluster.Certificate.NotAfter.ToUniversalTime():u})";
        return false;
    }
}
