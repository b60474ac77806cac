using System.Net;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

public sealed class ModelAvailabilityTests
{
    [Fact]
    public async Task Api_Answers503UntilAModelIsPublished_ThenServesIt()
    {
        var models = new ModelSnapshotHolder();
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address };
        var pixels = TestModels.Pixels(seed: 1);

        using (var health = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using (var ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        using (var early = await client.PostAsync("/api/predict", Pixels(pixels)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
            Assert.Contains("no model", (await ReadJsonAsync(early)).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        using (var status = await client.GetAsync("/api/status"))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.Equal(System.Text.Json.JsonValueKind.Null, (await ReadJsonAsync(status)).GetProperty("model").ValueKind);
        }

        models.Publish(TestModels.Spec, TestModels.Snapshot(seed: 2, version: 0).Parameters, step: 5, epoch: 1);

        using (var ready = await client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        using var answer = await client.PostAsync("/api/predict", Pixels(pixels));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var json = await ReadJsonAsync(answer);
        Assert.Equal(1, json.GetProperty("modelVersion").GetInt64());
        Assert.Equal(5, json.GetProperty("step").GetInt64());
    }

    [Fact]
    public async Task Api_AnswersAJson500_WhenTheServedModelGivesNonFiniteProbabilities()
    {
        // Finite parameters (a checkpoint accepts them) so large that the logits overflow: what a diverged run leaves.
        var models = new ModelSnapshotHolder();
        var parameters = new float[TestModels.Snapshot(seed: 1, version: 0).Parameters.Length];
        Array.Fill(parameters, 1e30f);
        models.Publish(TestModels.Spec, parameters, step: 7, epoch: 1);
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address };
        var pixels = TestModels.Pixels(seed: 1);

        using (var single = await client.PostAsync("/api/predict", Pixels(pixels)))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, single.StatusCode);
            Assert.Contains("not finite", (await ReadJsonAsync(single)).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        using (var batch = await client.PostAsync("/api/predict", Json("{\"images\":[" + string.Join(',', Enumerable.Repeat(System.Text.Json.JsonSerializer.Serialize(pixels), 3)) + "]}")))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, batch.StatusCode);
            Assert.Contains("step 7", (await ReadJsonAsync(batch)).GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        using var scrape = await client.GetAsync("/metrics");
        Assert.Contains("outcome=\"model_error\"} 2", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckpointSnapshot_LoadsTheParametersAndPositionOfACheckpoint()
    {
        var snapshot = TestModels.Snapshot(seed: 4, version: 0);
        string path = Path.Combine(Path.GetTempPath(), $"server-test-{Guid.NewGuid():N}.ckpt");
        try
        {
            Checkpoint.Write(path, new CheckpointState
            {
                Model = snapshot.Spec.ToString(), Init = nameof(Initialization.He), Optimizer = new OptimizerSpec(OptimizerKind.Sgd),
                Schedule = new LearningRateSchedule(ScheduleKind.Constant, 0.1f), BatchSize = 32, Epochs = 3, MicroShardSize = 32,
                Seed = 4, CheckpointEverySteps = 0, TrainFingerprint = "test", Parameters = snapshot.Parameters.ToArray(),
                OptimizerState = [], Exponents = [], GlobalStep = 250, Epoch = 2, StepInEpoch = 0, RngState = [1, 2, 3, 4],
                EpochLossSum = 0, EpochCorrect = 0, EpochSamples = 0, EpochSeconds = 0, History = [],
            });

            var loaded = CheckpointSnapshot.Load(path, version: 7);

            Assert.Equal(snapshot.Spec, loaded.Spec);
            Assert.True(snapshot.Parameters.SequenceEqual(loaded.Parameters));
            Assert.Equal((7L, 250L, 2), (loaded.Version, loaded.Step, loaded.Epoch));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParameterSnapshot_KeepsItsOwnCopy_WhenTheTrainerChangesItsBuffer()
    {
        var buffer = TestModels.Snapshot(seed: 5, version: 0).Parameters.ToArray();
        var holder = new ModelSnapshotHolder();

        var published = holder.Publish(TestModels.Spec, buffer, step: 1, epoch: 0);
        float before = published.Parameters[0];
        buffer[0] += 1;

        Assert.Equal(before, holder.Current!.Parameters[0]);
        Assert.Throws<ArgumentException>(() => new ParameterSnapshot(TestModels.Spec, buffer.AsSpan(1), 1, 0, 0));
    }
}
