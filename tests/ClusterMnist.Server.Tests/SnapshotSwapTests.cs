using System.Collections.Concurrent;
using System.Net;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

public sealed class SnapshotSwapTests
{
    [Fact]
    public async Task Predict_AnswersWithExactlyOneWholeSnapshot_WhileSnapshotsAreSwapped()
    {
        // Two very different models published alternately as fast as possible: a torn read (parameters of one, version
        // of the other, or a mix of both) would give probabilities that match neither under the answer's version.
        var first = TestModels.Snapshot(seed: 11, version: 0);
        var second = TestModels.Snapshot(seed: 12, version: 0);
        var pixels = TestModels.Pixels(seed: 7);
        var scaled = TestModels.Scaled(pixels);
        var expectedFirst = TestModels.Expected(first, scaled);
        var expectedSecond = TestModels.Expected(second, scaled);
        Assert.NotEqual(expectedFirst, expectedSecond);

        var published = new ConcurrentDictionary<long, float[]>();
        var models = new ModelSnapshotHolder();
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address };
        using var stop = new CancellationTokenSource();

        void PublishNext(long version)
        {
            var source = version % 2 == 0 ? first : second;
            published[version] = version % 2 == 0 ? expectedFirst : expectedSecond;
            models.Publish(new ParameterSnapshot(source.Spec, source.Parameters, version, step: version, epoch: 0));
        }

        PublishNext(1);
        var publisher = Task.Run(() =>
        {
            long version = 2;
            while (!stop.IsCancellationRequested)
            {
                PublishNext(version++);
            }

            return version;
        });

        var seenVersions = new ConcurrentBag<long>();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 150; i++)
            {
                using var response = await client.PostAsync("/api/predict", Pixels(pixels));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var answer = await ReadJsonAsync(response);
                long version = answer.GetProperty("modelVersion").GetInt64();
                Assert.True(published.TryGetValue(version, out var expected), $"version {version} was never published");
                Assert.Equal(expected, Probabilities(answer));
                Assert.Equal(version, answer.GetProperty("step").GetInt64());
                seenVersions.Add(version);
            }
        })).ToArray();

        await Task.WhenAll(clients);
        await stop.CancelAsync();
        long publications = await publisher;

        Assert.True(publications > 100, $"only {publications} snapshots were published during the test");
        Assert.True(seenVersions.Distinct().Count() > 10, "the answers did not span many snapshots");
        Assert.Contains(seenVersions, v => v % 2 == 0);
        Assert.Contains(seenVersions, v => v % 2 == 1);
    }
}
