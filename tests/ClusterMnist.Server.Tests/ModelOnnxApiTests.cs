using System.Globalization;
using System.Net;
using ClusterMnist.Core.Export;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using ClusterMnist.Tests.Shared.Onnx;

namespace ClusterMnist.Server.Tests;

public sealed class ModelOnnxApiTests
{
    [Fact]
    public async Task ModelOnnx_IsTheServedModel_WithItsVersionAndStepInHeaders()
    {
        var snapshot = TestModels.Snapshot(seed: 4, version: 3, step: 40, epoch: 2);
        var options = new ServerOptions { Dataset = "digits-split", TrainFingerprint = "f00d" };
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(snapshot), new InMemoryClusterStatus(), options);
        using var client = new HttpClient { BaseAddress = host.Address };

        using var response = await client.GetAsync("/api/model.onnx");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("3", response.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal("40", response.Headers.GetValues("X-Model-Step").Single());
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("clustermnist-v3-step40.onnx", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var onnx = new OnnxRuntimeModel(await response.Content.ReadAsByteArrayAsync());
        var metadata = onnx.Metadata.CustomMetadataMap;
        Assert.Equal("40", metadata[OnnxMetadataKeys.TrainingStep]);
        Assert.Equal("2", metadata[OnnxMetadataKeys.Epoch]);
        Assert.Equal("digits-split", metadata[OnnxMetadataKeys.Dataset]);
        Assert.Equal("f00d", metadata[OnnxMetadataKeys.TrainFingerprint]);
        Assert.Equal(ParameterHash.Sha256(snapshot.Parameters), metadata[OnnxMetadataKeys.ParametersSha256]);
        AssertRunsLike(snapshot, onnx);
    }

    [Fact]
    public async Task ModelOnnx_Answers503_BeforeAnyModelIsPublished()
    {
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(), new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address };

        using var response = await client.GetAsync("/api/model.onnx");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("no model", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelOnnx_AnswersNotModified_UntilAnotherModelIsPublished()
    {
        var models = new ModelSnapshotHolder(TestModels.Snapshot(seed: 1, version: 1, step: 10));
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address };
        using var first = await client.GetAsync("/api/model.onnx");
        var etag = first.Headers.ETag!;

        using (var same = await GetIfNoneMatchAsync(client, etag))
        {
            Assert.Equal(HttpStatusCode.NotModified, same.StatusCode);
            Assert.Equal("1", same.Headers.GetValues("X-Model-Version").Single());
        }

        var next = TestModels.Snapshot(seed: 2, version: 2, step: 20);
        models.Publish(next);
        using var changed = await GetIfNoneMatchAsync(client, etag);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("2", changed.Headers.GetValues("X-Model-Version").Single());
        Assert.NotEqual(etag, changed.Headers.ETag);
        using var onnx = new OnnxRuntimeModel(await changed.Content.ReadAsByteArrayAsync());
        AssertRunsLike(next, onnx);
    }

    [Fact]
    public async Task Page_LinksTheOnnxModel()
    {
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", new ModelSnapshotHolder(), new InMemoryClusterStatus());
        using var client = new HttpClient { BaseAddress = host.Address };

        string html = await client.GetStringAsync("/");

        Assert.Contains("href=\"/api/model.onnx\"", html, StringComparison.Ordinal);
    }

    /// <summary>ONNX Runtime on the served file gives the snapshot's own predictions (within 1e-5, same argmax).</summary>
    internal static void AssertRunsLike(ParameterSnapshot snapshot, OnnxRuntimeModel onnx)
    {
        var (inputs, rows) = ServedImages.Load();
        var expected = new float[rows * snapshot.Spec.OutputSize];
        snapshot.Network.Predict(snapshot.Parameters, inputs, rows, expected, snapshot.Network.CreateWorkspace(rows));
        var actual = onnx.Run(OnnxExporter.InputName, OnnxExporter.OutputName, inputs, rows, snapshot.Spec.InputSize);
        var agreement = ProbabilityAgreement.Compare(expected, actual, rows, snapshot.Spec.OutputSize);
        Assert.True(agreement.MaxAbsoluteDifference <= 1e-5, agreement.ToString());
        Assert.Equal(0, agreement.ArgmaxMismatches);
        Assert.True(rows >= 1000, rows.ToString(CultureInfo.InvariantCulture));
    }

    private static Task<HttpResponseMessage> GetIfNoneMatchAsync(HttpClient client, System.Net.Http.Headers.EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/model.onnx");
        request.Headers.IfNoneMatch.Add(etag);
        return client.SendAsync(request);
    }
}
