using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Server.Hosting;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>
/// The coordinator's status source alone. That its metrics follow a run (steps, samples, members) is shown over HTTP by
/// <see cref="CoordinatorMetricsTests"/>; here, that a scrape's many reads share one object while nothing changed.
/// </summary>
public sealed class CoordinatorStatusSourceTests
{
    [Fact]
    public void GetMetrics_WhileNothingChanged_ReturnsTheSameObject()
    {
        var source = new CoordinatorStatusSource(new CoordinatorEvents(), totalEpochs: 2, stepsPerEpoch: 10, new Dictionary<string, string>());

        var first = source.GetMetrics();

        Assert.Same(first, source.GetMetrics());
        Assert.Equal(0, first.Step);
        Assert.Equal(0, first.Totals.Steps);
        Assert.Empty(first.MembersByState);
    }
}
