using System.Security.Cryptography;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cluster.Tests.Security;

public sealed class SecretStrengthTests
{
    [Fact]
    public void GeneratedSecrets_AreStrongEnough()
    {
        // What `openssl rand -hex 32` and `openssl rand -base64 32` print.
        string hex = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        string base64 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        Assert.Null(SecretStrength.Refusal(hex, "X"));
        Assert.Null(SecretStrength.Refusal(base64, "X"));
        Assert.True(SecretStrength.EstimateBits(hex) >= SecretStrength.RequiredBits);
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData("abc", 3 * 4.700439718141092)] // 26 letters
    [InlineData("aB3!", 4 * 6.569855608330948)] // 26 + 26 + 10 + 33 = 95
    [InlineData("0123456789", 10 * 3.321928094887362)] // digits only
    [InlineData("été", 3 * 5.882643049361842)] // 26 + 33: non-ASCII letters count as "other"
    public void EstimateBits_IsLengthTimesLog2OfTheClassesUsed(string secret, double expected)
    {
        Assert.Equal(expected, SecretStrength.EstimateBits(secret), 6);
    }

    [Fact]
    public void Refusal_NamesTheSource_TheEstimate_AndHowToMakeAStrongOne()
    {
        string? refusal = SecretStrength.Refusal("correct-horse", "CLUSTERMNIST_CERT_PASSWORD");

        Assert.NotNull(refusal);
        Assert.Contains("CLUSTERMNIST_CERT_PASSWORD", refusal);
        Assert.Contains("about 76 bits", refusal); // 13 × log2(26 + 33)
        Assert.Contains("openssl rand -hex 32", refusal);
    }

    [Fact]
    public void Threshold_Is128Bits()
    {
        // Lower-case letters carry 4.7 bits each: 27 of them fall short, 28 pass.
        const string letters = "thequickbrownfoxjumpsoverthelazydog";
        Assert.NotNull(SecretStrength.Refusal(letters[..27], "X"));
        Assert.Null(SecretStrength.Refusal(letters[..28], "X"));
    }
}
