using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Core.Training;
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

    [Fact]
    public void StateOverride_ShowsTraining_FromTheLastStepUntilTheFinalModelIsServed()
    {
        var completed = Snapshot(CoordinatorPhase.Completed);
        var publishing = new TaskCompletionSource<TrainingResult>();

        Assert.Null(CoordinatorServer.StateOverride(Snapshot(CoordinatorPhase.Training), publishing.Task));
        Assert.Equal("training", CoordinatorServer.StateOverride(completed, publishing.Task));
        publishing.SetException(new InvalidOperationException("diverged"));
        Assert.Equal("failed", CoordinatorServer.StateOverride(completed, publishing.Task));
        Assert.Null(CoordinatorServer.StateOverride(completed, Task.CompletedTask));
    }

    private static ClusterStatus Snapshot(CoordinatorPhase phase) =>
        new(phase, 2, 2, 20, 20, 10, 10, 0, [], [], null, 0, 0, null);
}
