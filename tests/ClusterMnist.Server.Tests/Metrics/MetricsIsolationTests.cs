using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;

namespace ClusterMnist.Server.Tests.Metrics;

public sealed class MetricsIsolationTests
{
    [Fact]
    public async Task TwoHostsInOneProcess_EachExportOnlyTheirOwnInstruments()
    {
        await using var first = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(TestModels.Snapshot(1, version: 11)), new InMemoryClusterStatus());
        await using var second = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(TestModels.Snapshot(2, version: 22)), new InMemoryClusterStatus());
        using var firstClient = new HttpClient { BaseAddress = first.Address };
        using var secondClient = new HttpClient { BaseAddress = second.Address };
        (await secondClient.PostAsync("/api/predict", JsonBodies.Pixels(TestModels.Pixels(1)))).Dispose();

        var firstScrape = await PrometheusScrape.GetAsync(firstClient);
        var secondScrape = await PrometheusScrape.GetAsync(secondClient);

        Assert.Equal(11, firstScrape.Value("clustermnist_model_version"));
        Assert.Equal(22, secondScrape.Value("clustermnist_model_version"));
        Assert.Equal(0, firstScrape.Value("clustermnist_predictions_total", ("outcome", "ok")));
        Assert.Equal(1, secondScrape.Value("clustermnist_predictions_total", ("outcome", "ok")));
    }
}
