using System.Net;
using System.Text.Json;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Hosting;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>The coordinator host over real Kestrel on 127.0.0.1, with workers dialling its /cluster socket.</summary>
public sealed class CoordinatorServerTests
{
    private static readonly Lazy<TrainingResult> Reference = new(() => new LocalTrainer(HostingRuns.Options(), HostingRuns.Data).Run());

    [Fact]
    public async Task Coordinator_TrainsWithTwoRemoteWorkers_AndServesStatusAndPredictionsDuringAndAfter()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 2), HostingRuns.Options(), HostingRuns.Data);
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = HostingRuns.Deadline };
        var pixels = Pixels(new float[784]);

        // Before any worker: waiting, and no model to serve yet.
        var waiting = await StatusAsync(client);
        Assert.Equal("waiting", waiting.GetProperty("progress").GetProperty("state").GetString());
        using (var early = await client.PostAsync("/api/predict", pixels))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        }

        // Hold the coordinator after step 5 so the test can look at a run in progress.
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

        await using var first = await RemoteWorkerNode.StartAsync(server.ClusterUri, "worker-a");
        await using var second = await RemoteWorkerNode.StartAsync(server.ClusterUri, "worker-b");
        Assert.True(await atStep5.WaitAsync(HostingRuns.Deadline), "training never reached step 5");
        try
        {
            var during = await StatusAsync(client);
            var progress = during.GetProperty("progress");
            Assert.Equal("training", progress.GetProperty("state").GetString());
            Assert.InRange(progress.GetProperty("step").GetInt64(), 1, 5);
            var members = during.GetProperty("members").EnumerateArray().ToArray();
            Assert.Equal(["worker-a", "worker-b"], members.Select(m => m.GetProperty("id").GetString()).Order());
            Assert.All(members, m => Assert.Equal("training", m.GetProperty("state").GetString()));
            Assert.Equal("2", during.GetProperty("configuration").GetProperty("minWorkers").GetString());

            using var predicted = await client.PostAsync("/api/predict", pixels);
            Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
            Assert.InRange((await ReadJsonAsync(predicted)).GetProperty("step").GetInt64(), 1, 5);
        }
        finally
        {
            release.Release();
        }

        var result = await server.Completion.WaitAsync(HostingRuns.Deadline);

        // Two remote workers end bit for bit where one local thread pool does.
        Assert.Equal(Reference.Value.ParameterSha256, result.ParameterSha256);
        var finished = await StatusAsync(client);
        Assert.Equal("finished", finished.GetProperty("progress").GetProperty("state").GetString());
        Assert.Equal(2, finished.GetProperty("progress").GetProperty("history").GetArrayLength());
        Assert.All(finished.GetProperty("members").EnumerateArray(), m => Assert.True(m.GetProperty("shardsDone").GetInt64() > 0));
        Assert.Equal(ParameterHash.Sha256(result.Parameters), ParameterHash.Sha256(server.Models.Current!.Parameters));
        Assert.Equal(20, server.Models.Current!.Step);
        using var after = await client.PostAsync("/api/predict", pixels);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(20, (await ReadJsonAsync(after)).GetProperty("step").GetInt64());
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("clustermnist_bytes_per_step", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Coordinator_RefusesWorker_WhenTokenIsWrong()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data);

        var refusal = await Assert.ThrowsAsync<ClusterHandshakeException>(
            () => RemoteWorkerNode.StartAsync(server.ClusterUri, "intruder", token: "not-the-token"));

        Assert.Contains("token", refusal.Message, StringComparison.OrdinalIgnoreCase);
        var status = server.Status.GetStatus();
        Assert.Empty(status.Members);
        Assert.Equal("waiting", status.Progress.State);
    }

    [Fact]
    public async Task Coordinator_ServesTheCheckpointItResumesFrom_BeforeTrainingPublishes()
    {
        string directory = Directory.CreateTempSubdirectory("hosting-resume-").FullName;
        try
        {
            string checkpoint = Path.Combine(directory, "run.ckpt");
            var partial = new LocalTrainer(HostingRuns.Options(epochs: 1), HostingRuns.Data) { CheckpointPath = checkpoint }.Run();
            await using var server = await CoordinatorServer.StartAsync(
                HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data, resumeFrom: checkpoint);
            using var client = new HttpClient { BaseAddress = server.Address, Timeout = HostingRuns.Deadline };

            using var answer = await client.PostAsync("/api/predict", Pixels(new float[784]));

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(10, (await ReadJsonAsync(answer)).GetProperty("step").GetInt64());
            Assert.Equal(partial.ParameterSha256, ParameterHash.Sha256(server.Models.Current!.Parameters));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ClusterPath_Answers400_ToPlainHttp()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data);
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = HostingRuns.Deadline };

        using var response = await client.GetAsync("/cluster");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }
}
