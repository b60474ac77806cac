using System.Globalization;
using System.Net;
using ClusterMnist.Core.Export;
using ClusterMnist.Server.Hosting;
using ClusterMnist.Tests.Shared.Onnx;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>The coordinator serves the model it trained as ONNX, named after its data.</summary>
public sealed class CoordinatorOnnxTests
{
    [Fact]
    public async Task Coordinator_ServesTheFinalModelAsOnnx_WithTheRunsDataAndHash()
    {
        await using var server = await CoordinatorServer.StartAsync(HostingRuns.Settings(minWorkers: 1), HostingRuns.Options(), HostingRuns.Data);
        using var client = new HttpClient { BaseAddress = server.Address, Timeout = HostingRuns.Deadline };
        await using var worker = await HostingRuns.StartWorkerAsync(server, "worker-onnx");
        var result = await server.Completion.WaitAsync(HostingRuns.Deadline);

        using var response = await client.GetAsync("/api/model.onnx");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = server.Models.Current!;
        Assert.Equal(served.Version.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal("20", response.Headers.GetValues("X-Model-Step").Single());
        using var onnx = new OnnxRuntimeModel(await response.Content.ReadAsByteArrayAsync());
        var metadata = onnx.Metadata.CustomMetadataMap;
        Assert.Equal(result.ParameterSha256, metadata[OnnxMetadataKeys.ParametersSha256]);
        Assert.Equal(HostingRuns.Data.Name, metadata[OnnxMetadataKeys.Dataset]);
        Assert.Equal(HostingRuns.Data.Train.Fingerprint, metadata[OnnxMetadataKeys.TrainFingerprint]);
        Assert.Equal(HostingRuns.Options().Model.ToString(), metadata[OnnxMetadataKeys.ModelSpec]);
        ModelOnnxApiTests.AssertRunsLike(served, onnx);
    }
}
