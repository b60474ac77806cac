using System.Text;
using ClusterMnist.Cluster.DataPlane;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>A goodbye's reason fits its bound whole, or is cut after the last whole character that fits.</summary>
public sealed class GoodbyeFrameTests
{
    [Theory]
    [InlineData("")]
    [InlineData("signal")]
    [InlineData("failed: über-größe ✓ 😀")]
    public void AShortReason_RoundTrips(string reason) => Assert.Equal(reason, GoodbyeFrame.Decode(GoodbyeFrame.Encode(reason)));

    [Theory]
    [InlineData("a", 1, 1025)]
    [InlineData("é", 2, 600)]
    [InlineData("✓", 3, 400)]
    [InlineData("😀", 4, 301)]
    [InlineData("😀", 4, 256)]
    public void ALongReason_IsCutAfterTheLastWholeCharacterThatFits(string character, int bytesPerCharacter, int count)
    {
        string reason = string.Concat(Enumerable.Repeat(character, count));

        byte[] payload = GoodbyeFrame.Encode(reason);

        int whole = Math.Min(count, GoodbyeFrame.MaxBytes / bytesPerCharacter);
        Assert.Equal(whole * bytesPerCharacter, payload.Length);
        Assert.Equal(string.Concat(Enumerable.Repeat(character, whole)), GoodbyeFrame.Decode(payload));
    }

    [Fact]
    public void ALoneSurrogate_IsReplaced_NotSentAsInvalidUtf8()
    {
        byte[] payload = GoodbyeFrame.Encode("bad \ud800 end");

        Assert.Equal("bad \ufffd end", GoodbyeFrame.Decode(payload));
        Assert.Equal(payload, Encoding.UTF8.GetBytes("bad \ufffd end"));
    }
}
