using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Server;

/// <summary>
/// A Kestrel host carrying only the ClusterMnist endpoints: for tests, benchmarks and a standalone <c>serve</c>.
/// The coordinator instead calls <see cref="ServerApp.MapClusterMnist"/> on its own app.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address it listens on, with the real port when port 0 was asked for, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Starts listening on <paramref name="url"/> (e.g. <c>http://127.0.0.1:0</c>) and returns once it accepts connections.</summary>
    public static async Task<ServerHost> StartAsync(
        string url, IModelSnapshotSource models, IClusterStatusSource status, ServerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url);
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        options ??= new ServerOptions();
        builder.Services.AddClusterMnistMetrics(options);
        var app = builder.Build();
        app.MapClusterMnist(options, models, status);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var address = new Uri(addresses.First().Replace("[::]", "localhost", StringComparison.Ordinal) + "/");
        return new ServerHost(app, address);
    }

    /// <summary>Stops accepting requests and lets running ones finish; pushes the last metrics to an OTLP collector.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        ClusterMnistMetrics.Flush(_app.Services, TimeSpan.FromSeconds(5));
        return _app.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
