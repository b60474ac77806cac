using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

public sealed partial class MetricsTests
{
    [Fact]
    public async Task Metrics_ExposeTrainingGaugesAndPredictionCounters_InPrometheusTextFormat()
    {
        var status = new InMemoryClusterStatus();
        status.RecordStep(new StepReport(Epoch: 2, Step: 42, StepInEpoch: 3, StepsPerEpoch: 10, Loss: 0.25, Accuracy: 0.9, SamplesPerSecond: 1234.5));
        status.RecordEpoch(new EpochReport(1, 0.5, 0.8, 0.4, 0.85, 1.5, 1000));
        status.UpsertMember(new MemberStatus("w1", "10.0.0.1:7001", "training", DateTimeOffset.UtcNow, 10, 500));
        status.UpsertMember(new MemberStatus("w2", "10.0.0.2:7001", "dead", DateTimeOffset.UtcNow, 3, 0));
        status.SetBytesPerStep(1_880_000);
        var models = new ModelSnapshotHolder(TestModels.Snapshot(seed: 1, version: 3));
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, status);
        using var client = new HttpClient { BaseAddress = host.Address };
        for (int i = 0; i < 3; i++)
        {
            (await client.PostAsync("/api/predict", Pixels(TestModels.Pixels(i)))).Dispose();
        }

        (await client.PostAsync("/api/predict", Json("{\"pixels\":[1]}"))).Dispose();
        (await client.PostAsync("/api/predict", new StringContent("x"))).Dispose();

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = Parse(await response.Content.ReadAsStringAsync(), out var types);
        Assert.Equal(42, samples["clustermnist_training_step"]);
        Assert.Equal(2, samples["clustermnist_training_epoch"]);
        Assert.Equal(0.25, samples["clustermnist_training_loss"]);
        Assert.Equal(0.9, samples["clustermnist_training_accuracy"]);
        Assert.Equal(0.85, samples["clustermnist_test_accuracy"]);
        Assert.Equal(1234.5, samples["clustermnist_training_samples_per_second"]);
        Assert.Equal(1, samples["clustermnist_live_workers"]);
        Assert.Equal(1_880_000, samples["clustermnist_bytes_per_step"]);
        Assert.Equal(3, samples["clustermnist_model_version"]);
        Assert.Equal(3, samples["clustermnist_predictions_total{outcome=\"ok\"}"]);
        Assert.Equal(1, samples["clustermnist_predictions_total{outcome=\"bad_request\"}"]);
        Assert.Equal(1, samples["clustermnist_predictions_total{outcome=\"unsupported_media_type\"}"]);
        Assert.Equal(0, samples["clustermnist_predictions_total{outcome=\"too_large\"}"]);
        Assert.Equal(3, samples["clustermnist_predicted_images_total"]);
        Assert.Equal("counter", types["clustermnist_predictions_total"]);
        Assert.Equal("gauge", types["clustermnist_training_step"]);

        const string latency = "clustermnist_prediction_duration_seconds";
        Assert.Equal("histogram", types[latency]);
        var buckets = samples.Where(s => s.Key.StartsWith(latency + "_bucket{", StringComparison.Ordinal))
            .Select(s => (Bound: ParseValue(BucketBound().Match(s.Key).Groups[1].Value), Count: s.Value))
            .OrderBy(b => b.Bound).ToArray();
        Assert.True(buckets.Length >= 10);
        Assert.Equal(double.PositiveInfinity, buckets[^1].Bound);
        for (int i = 1; i < buckets.Length; i++)
        {
            Assert.True(buckets[i].Count >= buckets[i - 1].Count, "histogram buckets must be cumulative");
        }

        Assert.Equal(5, samples[latency + "_count"]);
        Assert.Equal(5, buckets[^1].Count);
        Assert.True(samples[latency + "_sum"] > 0);
    }

    // A strict reader of the text format: every family has HELP and TYPE before its samples, and every other line
    // is `name{labels} value` with a valid name and a float value.
    private static Dictionary<string, double> Parse(string text, out Dictionary<string, string> types)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            var comment = Comment().Match(line);
            if (comment.Success)
            {
                if (comment.Groups[1].Value == "HELP")
                {
                    Assert.True(helped.Add(comment.Groups[2].Value), $"duplicate HELP: {line}");
                }
                else
                {
                    Assert.Contains(comment.Groups[3].Value, new[] { "gauge", "counter", "histogram" });
                    types.Add(comment.Groups[2].Value, comment.Groups[3].Value);
                }

                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: '{line}'");
            string family = sample.Groups[1].Value;
            string baseName = Regex.Replace(family, "_(bucket|sum|count)$", "");
            Assert.True(types.ContainsKey(family) || types.GetValueOrDefault(baseName) == "histogram", $"no TYPE before {line}");
            Assert.True(helped.Contains(family) || helped.Contains(baseName), $"no HELP before {line}");
            samples.Add(family + sample.Groups[2].Value, ParseValue(sample.Groups[3].Value));
        }

        return samples;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$")]
    private static partial Regex Comment();

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\")*\\})? (\\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("le=\"([^\"]+)\"")]
    private static partial Regex BucketBound();
}
