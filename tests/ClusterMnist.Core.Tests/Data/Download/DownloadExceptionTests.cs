using ClusterMnist.Core.Data.Download;

namespace ClusterMnist.Core.Tests.Data.Download;

public sealed class DownloadExceptionTests
{
    [Fact]
    public void Message_JoinsTheMirrorsFailuresIntoOneSentence()
    {
        var e = new DownloadException("a.gz", ["http://m1/a.gz: refused (m1:80).", "http://m2/a.gz: timed out"]);
        Assert.Equal("Could not download a.gz from any mirror: http://m1/a.gz: refused (m1:80); http://m2/a.gz: timed out.", e.Message);
        Assert.Equal(["http://m1/a.gz: refused (m1:80).", "http://m2/a.gz: timed out"], e.Failures);
    }
}
