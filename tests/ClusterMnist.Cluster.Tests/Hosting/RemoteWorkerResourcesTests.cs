using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Tests.DataPlane;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cluster.Tests.Hosting;

public sealed class RemoteWorkerResourcesTests
{
    private static readonly Func<string, CancellationToken, Task<ImageSet>> NoData = (_, _) => throw new InvalidOperationException("not loaded here");

    [Fact]
    public async Task WarmUp_TrainsAStepOfTheAcceptedModel_AndSaysSoAtDebugLevel()
    {
        var log = new ListLogger();
        var resources = new RemoteWorkerResources(NoData, certificate: null, warmUp: true, log);

        await resources.WarmUpAsync(new JoinAccepted("c", "", "", "784-16-10/elu/softmax-ce/dropout=0.1", 64, 8, 1), CancellationToken.None)
            .WaitAsync(ClusterRuns.Deadline);

        var line = Assert.Single(log.Lines);
        Assert.StartsWith("Debug: Compiled the step before the first assignment: one step of 784-16-10/elu/softmax-ce/dropout=0.1", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmUp_Cancelled_EndsQuietly()
    {
        var log = new ListLogger();
        var resources = new RemoteWorkerResources(NoData, certificate: null, warmUp: true, log);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await resources.WarmUpAsync(new JoinAccepted("c", "", "", "784-16-10", 64, 8, 1), cancelled.Token).WaitAsync(ClusterRuns.Deadline);

        Assert.StartsWith("Debug: The warm-up before the first assignment failed", Assert.Single(log.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmUp_OfAModelItCannotBuild_EndsQuietly_LeavingTheErrorToTheRealStep()
    {
        var log = new ListLogger();
        var resources = new RemoteWorkerResources(NoData, certificate: null, warmUp: true, log);

        await resources.WarmUpAsync(new JoinAccepted("c", "", "", "784-abc-10", 64, 8, 1), CancellationToken.None).WaitAsync(ClusterRuns.Deadline);

        var line = Assert.Single(log.Lines);
        Assert.StartsWith("Debug: The warm-up before the first assignment failed", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WarmUp_WhenTheHostDidNotAskForIt_DoesNothing()
    {
        var log = new ListLogger();
        var resources = new RemoteWorkerResources(NoData, certificate: null, warmUp: false, log);

        var warmUp = resources.WarmUpAsync(new JoinAccepted("c", "", "", "784-abc-10", 64, 8, 1), CancellationToken.None);

        Assert.True(warmUp.IsCompletedSuccessfully);
        await warmUp;
        Assert.Empty(log.Lines);
    }
}
