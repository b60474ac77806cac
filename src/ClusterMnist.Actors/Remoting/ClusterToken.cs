using System.Security.Cryptography;
using System.Text;

namespace ClusterMnist.Actors.Remoting;

/// <summary>Token comparison that takes the same time wherever the tokens differ, and whatever their lengths.</summary>
internal static class ClusterToken
{
    public static bool Matches(string expected, string presented)
    {
        // Hashing first makes both sides 32 bytes, so not even the length leaks through timing.
        Span<byte> a = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> b = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
