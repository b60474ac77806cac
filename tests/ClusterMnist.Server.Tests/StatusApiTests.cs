using System.Net;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using static ClusterMnist.Server.Tests.JsonBodies;

namespace ClusterMnist.Server.Tests;

public sealed class StatusApiTests
{
    [Fact]
    public async Task Status_ReportsMembersProgressHistoryConfigurationAndServedModel()
    {
        var status = new InMemoryClusterStatus();
        status.SetConfiguration([new("model", "784-32-10/relu/softmax-ce/dropout=0"), new("batchSize", "64")]);
        status.SetRun("training", totalEpochs: 5);
        var heartbeat = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        status.UpsertMember(new MemberStatus("worker-b", "10.0.0.2:7001", "training", heartbeat, 12, 3000));
        status.UpsertMember(new MemberStatus("worker-a", "10.0.0.1:7001", "suspect", null, 7, 0));
        status.RecordEpoch(new EpochReport(1, 0.6, 0.8, 0.5, 0.85, 2.0, 4000));
        status.RecordEpoch(new EpochReport(2, 0.3, 0.9, 0.35, 0.9, 2.0, 4000));
        status.RecordStep(new StepReport(3, 250, 50, 125, 0.2, 0.93, 4100));
        var models = new ModelSnapshotHolder(TestModels.Snapshot(seed: 1, version: 9, step: 240, epoch: 2));
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, status);
        using var client = new HttpClient { BaseAddress = host.Address };

        using var response = await client.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ReadJsonAsync(response);
        var model = json.GetProperty("model");
        Assert.Equal("784-32-10/relu/softmax-ce/dropout=0", model.GetProperty("spec").GetString());
        Assert.Equal(9, model.GetProperty("version").GetInt64());
        Assert.Equal(240, model.GetProperty("step").GetInt64());
        var progress = json.GetProperty("progress");
        Assert.Equal("training", progress.GetProperty("state").GetString());
        Assert.Equal(3, progress.GetProperty("epoch").GetInt32());
        Assert.Equal(5, progress.GetProperty("totalEpochs").GetInt32());
        Assert.Equal(250, progress.GetProperty("step").GetInt64());
        Assert.Equal(0.2, progress.GetProperty("loss").GetDouble());
        var history = progress.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal([1, 2], history.Select(h => h.GetProperty("epoch").GetInt32()));
        Assert.Equal(0.35, history[1].GetProperty("testLoss").GetDouble());
        Assert.Equal(0.9, history[1].GetProperty("testAccuracy").GetDouble());
        var members = json.GetProperty("members").EnumerateArray().ToArray();
        Assert.Equal(["worker-a", "worker-b"], members.Select(m => m.GetProperty("id").GetString()));
        Assert.Equal("suspect", members[0].GetProperty("state").GetString());
        Assert.Equal(heartbeat, members[1].GetProperty("lastHeartbeat").GetDateTimeOffset());
        Assert.Equal(12, members[1].GetProperty("shardsDone").GetInt64());
        Assert.Equal("64", json.GetProperty("configuration").GetProperty("batchSize").GetString());
        Assert.Equal(1000, json.GetProperty("pollMilliseconds").GetInt32());
    }
}
