using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Cluster.Hosting;

/// <summary>
/// An actor system started through Akka.Hosting in a generic host of its own: what a worker process, a local
/// `train` and the multi-node tests run. Disposing it runs the system's coordinated shutdown (leaving the cluster).
/// </summary>
public sealed class AkkaNode : IAsyncDisposable
{
    private readonly IHost _host;
    private int _disposed;

    private AkkaNode(IHost host)
    {
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
    }

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>
    /// Starts a node: a local actor system when <paramref name="node"/> is null, else a member of the training
    /// cluster (joining its seed in the background). Akka's log lines go to <paramref name="loggerFactory"/>.
    /// </summary>
    public static async Task<AkkaNode> StartAsync(ClusterNodeOptions? node, ILoggerFactory? loggerFactory, bool serializeMessages = false,
        CancellationToken cancellationToken = default)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        // The process's own signal handling decides when to stop (a worker first finishes its shards), not the host's.
        builder.Services.AddSingleton<IHostLifetime, ManualHostLifetime>();
        builder.Services.AddAkka(ClusterMnistAkka.SystemName, akka => akka.WithClusterMnist(node, loggerFactory ?? NullLoggerFactory.Instance, serializeMessages));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new AkkaNode(host);
    }

    /// <summary>Runs the coordinated shutdown (a cluster member leaves first) and disposes the host.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _host.StopAsync(deadline.Token).ConfigureAwait(false);
        }
        _host.Dispose();
    }

    /// <summary>A host lifetime that neither listens to signals nor blocks the start.</summary>
    private sealed class ManualHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
