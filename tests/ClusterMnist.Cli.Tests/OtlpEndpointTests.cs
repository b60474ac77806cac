using System.Collections;
using System.Collections.Concurrent;
using System.CommandLine;
using System.Text;
using ClusterMnist.Cli.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cli.Tests;

/// <summary>`coordinator --otlp-endpoint`: read like every other setting, and it reaches the metrics pipeline.</summary>
public sealed class OtlpEndpointTests : IDisposable
{
    private readonly TinyDataset _data = new(trainCount: 300, testCount: 100);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Coordinator_PushesItsMetrics_ToTheCollectorTheFlagNames()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        await using var collector = await StartCollectorAsync(bodies);
        using var cancellation = new CancellationTokenSource();
        using var output = new CancellingWriter("Listening:", cancellation);
        using var error = new StringWriter();

        // Stopped as soon as it listens: stopping flushes the metrics to the collector, so nothing waits on an interval.
        int exitCode = await CliApp.RunAsync(
            ["coordinator", "--data", _data.Root, "--dataset", "mnist", "--model", "784-16-10", "--epochs", "1", "--bind", "127.0.0.1",
             "--port", "0", "--insecure", "--cluster-port", "0", "--data-plane-port", "0", "--otlp-endpoint", $"{collector.Urls.First()}/v1/metrics"],
            output, error, cancellation.Token);

        Assert.True(exitCode == 0, $"exit {exitCode}: {error}\n{output}");
        string payload = Encoding.UTF8.GetString([.. bodies.SelectMany(b => b)]);
        Assert.Contains("clustermnist.training.steps", payload, StringComparison.Ordinal);
        Assert.Contains("clustermnist.predictions", payload, StringComparison.Ordinal);
    }

    [Fact]
    public void OtlpEndpoint_IsReadFromTheFlag_TheFile_AndTheEnvironment()
    {
        string directory = Directory.CreateDirectory(_data.File("settings")).FullName;
        Directory.CreateDirectory(Path.Combine(directory, "config"));
        var env = new Hashtable { ["CLUSTERMNIST_CERT"] = "cluster.pfx" };

        Assert.Null(Read(env, directory).OtlpEndpoint);
        File.WriteAllText(Path.Combine(directory, "config", "coordinator.json"), """{ "Http": { "OtlpEndpoint": "http://file-collector:4317" } }""");
        Assert.Equal(new Uri("http://file-collector:4317"), Read(env, directory).OtlpEndpoint);
        env["ClusterMnist__Http__OtlpEndpoint"] = "http://env-collector:4318/v1/metrics";
        Assert.Equal(new Uri("http://env-collector:4318/v1/metrics"), Read(env, directory).OtlpEndpoint);
        Assert.Equal(new Uri("https://flag-collector/v1/metrics"), Read(env, directory, "--otlp-endpoint", "https://flag-collector/v1/metrics").OtlpEndpoint);
    }

    [Theory]
    [InlineData("collector:4317")]
    [InlineData("ftp://collector/v1/metrics")]
    public async Task OtlpEndpoint_Exits2WithOneLine_WhenNotAnHttpAddress(string endpoint)
    {
        var run = await CliRunner.RunAsync("coordinator", "--insecure", "--otlp-endpoint", endpoint);

        run.AssertCleanFailure(2, "--otlp-endpoint");
    }

    private static CoordinatorRunSettings Read(IDictionary env, string workingDirectory, params string[] args)
    {
        var options = new CoordinatorCommandOptions();
        var command = new RootCommand();
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return options.Read(result, workingDirectory, env);
    }

    private static async Task<WebApplication> StartCollectorAsync(ConcurrentQueue<byte[]> bodies)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapPost("/v1/metrics", async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            bodies.Enqueue(body.ToArray());
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        return app;
    }
}
