using System.Net;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Server.Tests.Metrics;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>
/// <c>/metrics</c> of a coordinator during and after a short run with a remote worker, scraped over HTTP on
/// 127.0.0.1 and parsed strictly: the training counters count exactly the run's steps and samples, the serving
/// counters count exactly the requests sent, and no counter ever goes down.
/// </summary>
public sealed class CoordinatorMetricsTests
{
    // HostingRuns: 600 training images in batches of 64, so 10 steps per epoch (nine of 64, one of 24), 2 epochs.
    private const int StepsPerRun = 20;
    private const int SamplesPerEpoch = 600;

    [Fact]
    public async Task Metrics_CountTheRunsStepsSamplesAndRequests_AsTrainingGoes()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data);
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = HostingRuns.Deadline };

        var before = await PrometheusScrape.GetAsync(client);
        Assert.Equal(0, before.Value("clustermnist_training_steps_total"));
        Assert.Equal(0, before.Value("clustermnist_training_samples_total"));
        Assert.Equal(0, before.Value("clustermnist_training_epoch"));
        Assert.Null(before.Find("clustermnist_model_version"));
        Assert.Null(before.Find("clustermnist_test_accuracy"));
        Assert.Equal(0, before.Value("clustermnist_predictions_total", ("outcome", "no_model")));
        (await client.PostAsync("/api/predict", Pixels(new float[784]))).Dispose();

        // Hold the coordinator after step 5 so the test can scrape a run in progress.
        using var atStep5 = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        server.Events.StepCompleted += step =>
        {
            if (step.Report.Step == 5)
            {
                atStep5.Release();
                release.Wait(HostingRuns.Deadline);
            }
        };

        await using var worker = await HostingRuns.StartWorkerAsync(server, "worker-metrics");
        Assert.True(await atStep5.WaitAsync(HostingRuns.Deadline), "training never reached step 5");
        PrometheusScrape during;
        try
        {
            for (int i = 0; i < 2; i++)
            {
                using var answer = await client.PostAsync("/api/predict", Pixels(TestModels.Pixels(i)));
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }

            during = await PrometheusScrape.GetAsync(client);
        }
        finally
        {
            release.Release();
        }

        Assert.Equal(5, during.Value("clustermnist_training_steps_total"));
        Assert.Equal(5 * 64, during.Value("clustermnist_training_samples_total"));
        Assert.True(during.Value("clustermnist_data_plane_bytes_total") > 0);
        Assert.True(during.Value("clustermnist_bytes_per_step") > 0);
        Assert.InRange(during.Value("clustermnist_training_step"), 1, 5);
        // The worker's node and the coordinator's own, both up.
        Assert.Equal(2, during.Value("clustermnist_cluster_members", ("state", "up")));
        Assert.Equal(1, during.Value("clustermnist_live_workers"));
        double stepTime = new[] { "compute", "communication", "reduction", "waiting" }
            .Sum(phase => during.Value("clustermnist_training_step_time_seconds_total", ("phase", phase)));
        Assert.True(stepTime > 0, "five steps took no time");
        Assert.Equal(2, during.Value("clustermnist_predictions_total", ("outcome", "ok")));
        Assert.Equal(1, during.Value("clustermnist_predictions_total", ("outcome", "no_model")));
        Assert.Equal(3, HistogramCount(during, "clustermnist_prediction_duration_seconds"));
        Assert.InRange(during.Value("clustermnist_model_step"), 1, 5);

        var result = await server.Completion.WaitAsync(HostingRuns.Deadline);
        (await client.PostAsync("/api/predict", Pixels(TestModels.Pixels(3)))).Dispose();
        var after = await PrometheusScrape.GetAsync(client);

        Assert.Equal(StepsPerRun, after.Value("clustermnist_training_steps_total"));
        Assert.Equal(2 * SamplesPerEpoch, after.Value("clustermnist_training_samples_total"));
        Assert.Equal(StepsPerRun, after.Value("clustermnist_training_step"));
        Assert.Equal(2, after.Value("clustermnist_training_epoch"));
        Assert.Equal(result.Test.Accuracy, after.Value("clustermnist_test_accuracy"), 9);
        Assert.Equal(StepsPerRun, after.Value("clustermnist_model_step"));
        Assert.Equal(server.Models.Current!.Version, after.Value("clustermnist_model_version"));
        Assert.Equal(3, after.Value("clustermnist_predictions_total", ("outcome", "ok")));
        Assert.Equal(4, HistogramCount(after, "clustermnist_prediction_duration_seconds"));
        AssertNoCounterWentDown(before, during);
        AssertNoCounterWentDown(during, after);
    }

    private static double HistogramCount(PrometheusScrape scrape, string name) =>
        scrape.Family(name, "histogram").Samples.Single(s => s.Name == name + "_count").Value;

    private static void AssertNoCounterWentDown(PrometheusScrape earlier, PrometheusScrape later)
    {
        foreach (var family in earlier.Families.Values.Where(f => f.Type is "counter" or "histogram"))
        {
            foreach (var sample in family.Samples.Where(s => !s.Name.EndsWith("_sum", StringComparison.Ordinal)))
            {
                var same = later.Families.GetValueOrDefault(family.Name)?.Samples
                    .SingleOrDefault(s => s.Name == sample.Name && s.Labels.Count == sample.Labels.Count && s.Has([.. sample.Labels.Select(l => (l.Key, l.Value))]));
                Assert.True(same is not null, $"{sample.Name} {string.Join(",", sample.Labels)} disappeared");
                Assert.True(same.Value >= sample.Value, $"{sample.Name} {string.Join(",", sample.Labels)} went from {sample.Value} to {same.Value}");
            }
        }
    }
}
