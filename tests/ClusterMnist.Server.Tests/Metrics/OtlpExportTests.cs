using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;

namespace ClusterMnist.Server.Tests.Metrics;

/// <summary>With an OTLP endpoint, the same instruments are pushed to a collector (here a fake one on 127.0.0.1).</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Metrics_ArePushedOverOtlpHttp_ToTheGivenCollector()
    {
        var exports = new ConcurrentQueue<(string? ContentType, byte[] Body)>();
        await using var collector = await StartCollectorAsync(exports);
        var endpoint = new Uri(collector.Urls.First() + "/v1/metrics");
        var host = await ServerHost.StartAsync(
            "http://127.0.0.1:0", new ModelSnapshotHolder(TestModels.Snapshot(1, version: 1)), new InMemoryClusterStatus(),
            new ServerOptions { OtlpEndpoint = endpoint });
        using (var client = new HttpClient { BaseAddress = host.Address })
        {
            (await client.PostAsync("/api/predict", JsonBodies.Pixels(TestModels.Pixels(1)))).Dispose();
        }

        // Stopping the host shuts the meter provider down, which exports once more: no wait on the export interval.
        await host.DisposeAsync();

        Assert.NotEmpty(exports);
        Assert.All(exports, e => Assert.Equal("application/x-protobuf", e.ContentType));
        string payload = Encoding.UTF8.GetString(exports.SelectMany(e => e.Body).ToArray());
        foreach (string name in new[] { "clustermnist.predictions", "clustermnist.prediction.duration", "clustermnist.training.steps", "clustermnist.model.version" })
        {
            Assert.Contains(name, payload, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://collector:4318/v1/metrics", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("https://otel.example.org/otlp/v1/metrics/", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("http://collector:4317", OtlpExportProtocol.Grpc)]
    [InlineData("http://collector:4317/", OtlpExportProtocol.Grpc)]
    public void OtlpProtocol_IsHttp_OnlyForAMetricsPath(string endpoint, OtlpExportProtocol expected)
    {
        Assert.Equal(expected, ClusterMnistMetrics.OtlpProtocolOf(new Uri(endpoint)));
    }

    [Fact]
    public void OtlpEndpoint_MustBeHttp()
    {
        var options = new ServerOptions { OtlpEndpoint = new Uri("ftp://collector/v1/metrics") };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<(string?, byte[])> exports)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/metrics", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            exports.Enqueue((context.Request.ContentType, body.ToArray()));
            // An empty ExportMetricsServiceResponse: full success.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        return app;
    }
}
