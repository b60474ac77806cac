using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Tests;

public sealed class ShellWordTests
{
    [Theory]
    [InlineData("/tmp/run.ckpt", "/tmp/run.ckpt")]
    [InlineData("runs/fashion-1.ckpt", "runs/fashion-1.ckpt")]
    [InlineData("my runs/a.ckpt", "'my runs/a.ckpt'")]
    [InlineData("it's.ckpt", "'it'\\''s.ckpt'")]
    [InlineData("$HOME/a.ckpt", "'$HOME/a.ckpt'")]
    [InlineData("", "''")]
    public void Quote_LeavesPlainWordsAlone_AndSingleQuotesTheRest(string value, string expected) =>
        Assert.Equal(expected, ShellWord.Quote(value));
}
