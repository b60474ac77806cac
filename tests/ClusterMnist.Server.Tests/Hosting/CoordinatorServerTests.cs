using System.Net;
using System.Text.Json;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Hosting;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>
/// The coordinator host on 127.0.0.1: Kestrel for the HTTP API, a cluster node with mutual TLS, the TLS data plane,
/// and worker nodes in this process that join it the way `worker` processes do.
/// </summary>
public sealed class CoordinatorServerTests
{
    private static readonly Lazy<TrainingResult> Reference = new(() => new LocalTrainer(HostingRuns.Options(), HostingRuns.Data).Run());

    [Fact]
    public async Task Coordinator_TrainsWithTwoWorkerNodes_OverTheTlsDataPlane_AndServesStatusAndPredictionsDuringAndAfter()
    {
        // No shared memory: the tensors take the path between hosts, TLS streams.
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 2, sharedMemory: false), HostingRuns.Options(), HostingRuns.Data);
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = HostingRuns.Deadline };
        var pixels = Pixels(new float[784]);

        // Before any worker: waiting, and no model to serve yet.
        var waiting = await StatusAsync(client);
        Assert.Equal("waiting", waiting.GetProperty("progress").GetProperty("state").GetString());
        // Asked for port 0: the status names the port Kestrel bound.
        Assert.Equal(new Uri(server.Address, "/").GetLeftPart(UriPartial.Authority),
            waiting.GetProperty("configuration").GetProperty("bind").GetString());
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

        await using var first = await HostingRuns.StartWorkerAsync(server, "worker-a", sharedMemory: false);
        await using var second = await HostingRuns.StartWorkerAsync(server, "worker-b", sharedMemory: false);
        Assert.True(await atStep5.WaitAsync(HostingRuns.Deadline), "training never reached step 5");
        try
        {
            var during = await StatusAsync(client);
            var progress = during.GetProperty("progress");
            Assert.Equal("training", progress.GetProperty("state").GetString());
            Assert.InRange(progress.GetProperty("step").GetInt64(), 1, 5);
            var members = during.GetProperty("members").EnumerateArray().ToArray();
            var workers = members.Where(m => m.GetProperty("role").GetString() == "worker").ToArray();
            Assert.Equal(["worker-a", "worker-b"], workers.Select(m => m.GetProperty("id").GetString()).Order());
            Assert.All(workers, m => Assert.Equal("up", m.GetProperty("state").GetString()));
            Assert.Equal("up", Assert.Single(members, m => m.GetProperty("role").GetString() == "coordinator").GetProperty("state").GetString());
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
        Assert.All(finished.GetProperty("members").EnumerateArray().Where(m => m.GetProperty("role").GetString() == "worker"),
            m => Assert.True(m.GetProperty("shardsDone").GetInt64() > 0));
        // The workers heard the end, finished, and left: neither shows as up any more.
        Assert.Equal(WorkerOutcomeKind.Finished, (await first.Completion.WaitAsync(HostingRuns.Deadline)).Kind);
        Assert.Equal(WorkerOutcomeKind.Finished, (await second.Completion.WaitAsync(HostingRuns.Deadline)).Kind);
        await first.DisposeAsync();
        await second.DisposeAsync();
        var afterLeaving = await EventuallyAsync(async () =>
        {
            var members = (await StatusAsync(client)).GetProperty("members").EnumerateArray()
                .Where(m => m.GetProperty("role").GetString() == "worker").Select(m => m.GetProperty("state").GetString()).ToArray();
            return members.All(state => state is "leaving" or "removed") ? members : null;
        });
        Assert.Equal(2, afterLeaving.Length);
        Assert.Equal(ParameterHash.Sha256(result.Parameters), ParameterHash.Sha256(server.Models.Current!.Parameters));
        Assert.Equal(20, server.Models.Current!.Step);
        using var after = await client.PostAsync("/api/predict", pixels);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(20, (await ReadJsonAsync(after)).GetProperty("step").GetInt64());
        string metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("clustermnist_bytes_per_step", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodesWithAnotherCertificate_OrNoTls_CannotJoin_AndTheRunEndsAtTheReferenceHash()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data);

        // Another self-signed certificate: the coordinator's TLS refuses it, and Akka shuts the intruding node down.
        using var stranger = ClusterCertificate.CreateNew();
        await using var impostor = await HostingRuns.StartWorkerAsync(server, "impostor", stranger);
        var refused = await impostor.Completion.WaitAsync(HostingRuns.Deadline);
        Assert.Equal(WorkerOutcomeKind.LostCoordinator, refused.Kind);
        Assert.Contains("TLS", refused.Detail, StringComparison.Ordinal);

        // No TLS at all: the coordinator's port speaks only TLS, so nothing it sends is ever read as a message.
        await using var plain = await ClusterMnist.Cluster.Hosting.AkkaNode.StartAsync(
            HostingRuns.Node(ClusterRoles.Worker, server.ClusterAddress.Port!.Value, certificate: null), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var coordinatorPath = $"akka.tcp://{ClusterMnistAkka.SystemName}@127.0.0.1:{server.ClusterAddress.Port}/user/coordinator";
        plain.System.ActorSelection(coordinatorPath).Tell(new ClusterMnist.Cluster.Messages.JoinRequest("plaintext", 1, SharedMemory: false));

        // A real worker trains the whole run meanwhile; neither intruder ever became a member.
        await using var worker = await HostingRuns.StartWorkerAsync(server, "worker");
        var result = await server.Completion.WaitAsync(HostingRuns.Deadline);
        Assert.Equal(Reference.Value.ParameterSha256, result.ParameterSha256);
        var members = server.Status.GetStatus().Members;
        Assert.Contains(members, m => m.Id == "worker");
        Assert.DoesNotContain(members, m => m.Id is "impostor" or "plaintext");
        Assert.Equal(2, members.Count); // the worker and the coordinator's own node
    }

    [Fact]
    public async Task Coordinator_ServesTheCheckpointItResumesFrom_AndShowsItsEpochs_BeforeTrainingPublishes()
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

            // The epoch before the restart is the checkpoint's: on the page's curves and in the test accuracy gauge.
            var history = (await StatusAsync(client)).GetProperty("progress").GetProperty("history").EnumerateArray().ToArray();
            Assert.Equal([1], history.Select(h => h.GetProperty("epoch").GetInt32()));
            Assert.Equal(partial.Epochs[0].TestAccuracy, history[0].GetProperty("testAccuracy").GetDouble(), 9);
            Assert.Equal(partial.Epochs[0].TestAccuracy, server.Status.GetMetrics().TestAccuracy!.Value, 9);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + HostingRuns.Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The condition did not hold within {HostingRuns.Deadline}.");
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }
}
