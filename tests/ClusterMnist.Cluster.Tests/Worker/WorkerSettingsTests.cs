using ClusterMnist.Cluster.Worker;

namespace ClusterMnist.Cluster.Tests.Worker;

/// <summary>A worker id that the data plane's hello could not carry is refused before the worker joins, not after.</summary>
public sealed class WorkerSettingsTests
{
    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("w\n1")]
    public void Validate_RefusesAnIdTheClusterCannotUse(string id)
    {
        var error = Assert.Throws<ArgumentException>(() => new WorkerSettings(id).Validate());

        Assert.Contains(WorkerSettings.IdRule, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TakesIdsUpToTheHellosLimit_InBytesOfUtf8()
    {
        new WorkerSettings(new string('w', WorkerSettings.MaxIdBytes)).Validate();
        Assert.Throws<ArgumentException>(() => new WorkerSettings(new string('w', WorkerSettings.MaxIdBytes + 1)).Validate());
        // "é" is two bytes of UTF-8: half as many fit.
        Assert.Throws<ArgumentException>(() => new WorkerSettings(new string('é', WorkerSettings.MaxIdBytes / 2 + 1)).Validate());
    }
}
