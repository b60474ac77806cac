using System.Net;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Xunit.Abstractions;
using static ClusterMnist.Server.Tests.JsonBodies;
using StepTimeSplit = ClusterMnist.Cluster.Coordinator.StepTimeSplit;

namespace ClusterMnist.Server.Tests.Metrics;

/// <summary><c>/metrics</c> of a standalone host: the training, cluster and serving instruments through OpenTelemetry's Prometheus exporter.</summary>
public sealed class MetricsScrapeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_ExportTrainingClusterAndServingValues_InStrictPrometheusText()
    {
        var status = new InMemoryClusterStatus();
        status.RecordStep(new StepReport(Epoch: 2, Step: 42, StepInEpoch: 3, StepsPerEpoch: 10, Loss: 0.25, Accuracy: 0.9, SamplesPerSecond: 1234.5),
            new StepCost(Samples: 64, DataPlaneBytes: 1_880_000, new StepTimeSplit(Compute: 0.004, Communication: 0.002, Reduction: 0.001, Waiting: 0)));
        status.RecordStep(new StepReport(2, 43, 4, 10, 0.24, 0.91, 1240),
            new StepCost(64, 1_880_000, new StepTimeSplit(0.006, 0.003, 0.001, 0.0005)));
        status.RecordEpoch(new EpochReport(1, 0.5, 0.8, 0.4, 0.85, 1.5, 1000));
        status.UpsertMember(new MemberStatus("w1", "10.0.0.1:7001", "training", DateTimeOffset.UtcNow, 10, 500));
        status.UpsertMember(new MemberStatus("w2", "10.0.0.2:7001", "unreachable", DateTimeOffset.UtcNow, 3, 0));
        status.UpsertMember(new MemberStatus("w3", "10.0.0.3:7001", "training", DateTimeOffset.UtcNow, 3, 0));
        status.SetBytesPerStep(1_880_000);
        status.SetReassignments(5);
        var models = new ModelSnapshotHolder(TestModels.Snapshot(seed: 1, version: 3, step: 40));
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, status);
        using var client = new HttpClient { BaseAddress = host.Address };
        for (int i = 0; i < 3; i++)
        {
            (await client.PostAsync("/api/predict", Pixels(TestModels.Pixels(i)))).Dispose();
        }

        (await client.PostAsync("/api/predict", Json("{\"pixels\":[1]}"))).Dispose();
        (await client.PostAsync("/api/predict", new StringContent("x"))).Dispose();

        var scrape = await PrometheusScrape.GetAsync(client);
        output.WriteLine(scrape.Text);

        Assert.Equal(43, scrape.Value("clustermnist_training_step"));
        Assert.Equal(2, scrape.Value("clustermnist_training_epoch"));
        Assert.Equal(0.24, scrape.Value("clustermnist_training_loss"));
        Assert.Equal(0.91, scrape.Value("clustermnist_training_accuracy"));
        Assert.Equal(0.85, scrape.Value("clustermnist_test_accuracy"));
        Assert.Equal(1240, scrape.Value("clustermnist_training_samples_per_second"));
        Assert.Equal(2, scrape.Value("clustermnist_live_workers"));
        Assert.Equal(1_880_000, scrape.Value("clustermnist_bytes_per_step"));
        Assert.Equal(3, scrape.Value("clustermnist_model_version"));
        Assert.Equal(40, scrape.Value("clustermnist_model_step"));

        Assert.Equal(2, scrape.Value("clustermnist_cluster_members", ("state", "training")));
        Assert.Equal(1, scrape.Value("clustermnist_cluster_members", ("state", "unreachable")));
        Assert.Equal(2, scrape.Value("clustermnist_training_steps_total"));
        Assert.Equal(128, scrape.Value("clustermnist_training_samples_total"));
        Assert.Equal(3_760_000, scrape.Value("clustermnist_data_plane_bytes_total"));
        Assert.Equal(5, scrape.Value("clustermnist_cluster_reassignments_total"));
        Assert.Equal(0.010, scrape.Value("clustermnist_training_step_time_seconds_total", ("phase", "compute")), 9);
        Assert.Equal(0.005, scrape.Value("clustermnist_training_step_time_seconds_total", ("phase", "communication")), 9);
        Assert.Equal(0.002, scrape.Value("clustermnist_training_step_time_seconds_total", ("phase", "reduction")), 9);
        Assert.Equal(0.0005, scrape.Value("clustermnist_training_step_time_seconds_total", ("phase", "waiting")), 9);
        Assert.Equal("counter", scrape.Families["clustermnist_training_steps_total"].Type);
        Assert.Equal("gauge", scrape.Families["clustermnist_training_step"].Type);

        Assert.Equal(3, scrape.Value("clustermnist_predictions_total", ("outcome", "ok")));
        Assert.Equal(1, scrape.Value("clustermnist_predictions_total", ("outcome", "bad_request")));
        Assert.Equal(1, scrape.Value("clustermnist_predictions_total", ("outcome", "unsupported_media_type")));
        Assert.Equal(0, scrape.Value("clustermnist_predictions_total", ("outcome", "too_large")));
        Assert.Equal(3, scrape.Value("clustermnist_predicted_images_total"));
        const string latency = "clustermnist_prediction_duration_seconds";
        var histogram = scrape.Family(latency, "histogram");
        Assert.Equal(5, histogram.Samples.Single(s => s.Name == latency + "_count").Value);
        Assert.True(histogram.Samples.Single(s => s.Name == latency + "_sum").Value > 0);
        Assert.Equal(PredictionBuckets + 1, histogram.Samples.Count(s => s.Name == latency + "_bucket"));
    }

    private static int PredictionBuckets => ClusterMnist.Server.Metrics.PredictionMetrics.BucketBounds.Length;
}
