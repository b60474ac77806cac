using ClusterMnist.Actors;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ParameterSnapshot = ClusterMnist.Server.Snapshots.ParameterSnapshot;

namespace ClusterMnist.Server.Hosting;

/// <summary>
/// The coordinator process in one object: a coordinator actor behind a remoting node, and one Kestrel app serving
/// both the cluster socket (<c>/cluster</c>, token checked in the handshake) and the HTTP API and web page, on one
/// port. Parameters reach <c>/api/predict</c> as training goes (throttled copies) and the coordinator's status
/// reaches <c>/api/status</c>; after the run the final model keeps being served until the server is stopped.
/// </summary>
public sealed class CoordinatorServer : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly RemotingNode _remoting;
    private readonly WebApplication _app;
    private readonly CoordinatorHost _coordinator;
    private int _disposed;

    private CoordinatorServer(ActorSystem system, RemotingNode remoting, WebApplication app, CoordinatorHost coordinator,
        ModelSnapshotHolder models, IClusterStatusSource status, Uri address, Task<TrainingResult> completion, ParameterSnapshot? resumedFrom)
    {
        _system = system;
        _remoting = remoting;
        _app = app;
        _coordinator = coordinator;
        Models = models;
        Status = status;
        Address = address;
        Completion = completion;
        ResumedFrom = resumedFrom;
    }

    /// <summary>The Kestrel app's services (for tests).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>The HTTP address with the real port, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The cluster socket's address, e.g. <c>ws://127.0.0.1:41234/cluster</c> (what a worker dials).</summary>
    public required Uri ClusterUri { get; init; }

    /// <summary>The options of the run (for a resumed run, those stored in the checkpoint).</summary>
    public TrainingOptions Options => _coordinator.Options;

    /// <summary>Step, epoch and parameter events of the coordinator.</summary>
    public CoordinatorEvents Events => _coordinator.Events;

    /// <summary>The model the prediction endpoint serves.</summary>
    public ModelSnapshotHolder Models { get; }

    /// <summary>What <c>/api/status</c> and <c>/metrics</c> read.</summary>
    public IClusterStatusSource Status { get; }

    /// <summary>The checkpoint's model served before training publishes its own; null for a fresh run.</summary>
    public ParameterSnapshot? ResumedFrom { get; }

    /// <summary>Completes with the result once every epoch is done and the final model is being served.</summary>
    public Task<TrainingResult> Completion { get; }

    /// <summary>
    /// Starts a run: <paramref name="resumeFrom"/> when it names a checkpoint (served until training publishes), else
    /// a new run of <paramref name="options"/>. Returns once Kestrel accepts connections.
    /// </summary>
    /// <exception cref="CheckpointException">The checkpoint is unreadable or does not match <paramref name="data"/>.</exception>
    public static async Task<CoordinatorServer> StartAsync(
        CoordinatorServerSettings settings, TrainingOptions options, DataSplit data, string? resumeFrom = null,
        ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        settings.Validate();
        loggerFactory ??= NullLoggerFactory.Instance;

        var resumedFrom = resumeFrom is null ? null : CheckpointSnapshot.Load(resumeFrom);
        var models = new ModelSnapshotHolder(resumedFrom);
        var system = new ActorSystem("coordinator", new ActorSystemOptions(LoggerFactory: loggerFactory));
        var remoting = new RemotingNode(system, settings.Remoting, TrainingCodecs.Register(new MessageCodecRegistry()));
        WebApplication? app = null;
        try
        {
            var events = new CoordinatorEvents();
            var coordinator = resumeFrom is null
                ? CoordinatorHost.Start(system, options, data, settings.Coordinator, events)
                : CoordinatorHost.Resume(system, resumeFrom, data, settings.Coordinator, events);
            var run = coordinator.Options;
            int stepsPerEpoch = LocalTrainer.StepsPerEpochFor(data.Train.Count, run.BatchSize);
            var publisher = new ThrottledParameterPublisher(models, run.Model, stepsPerEpoch, settings.PublishInterval, system.TimeProvider);
            events.ParametersPublished += snapshot => publisher.OnStep(snapshot.Step, snapshot.Parameters.Span);
            var completion = PublishFinalAsync(coordinator, publisher, (long)stepsPerEpoch * run.Epochs);

            var configuration = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in LocalTrainingFeed.Describe(run))
            {
                configuration[key] = value;
            }

            configuration["minWorkers"] = settings.Coordinator.MinWorkers.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration["checkpoint"] = settings.Coordinator.CheckpointPath ?? "none";
            foreach (var (key, value) in settings.ShownConfiguration)
            {
                configuration[key] = value;
            }

            var status = new CoordinatorStatusSource(events, run.Epochs, stepsPerEpoch, data.Train.Count, run.BatchSize, configuration,
                _ => completion.IsFaulted || completion.IsCanceled ? "failed" : null);

            // The live model's ONNX export names the data it trains on.
            var served = settings with { Server = settings.Server with { Dataset = data.Name, TrainFingerprint = data.Train.Fingerprint } };
            app = BuildApp(served, remoting, models, status);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            var address = new Uri(addresses.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)
                .Replace("[::]", "localhost", StringComparison.Ordinal) + "/");
            return new CoordinatorServer(system, remoting, app, coordinator, models, status, address, completion, resumedFrom)
            {
                ClusterUri = new UriBuilder(new Uri(address, settings.ClusterPath.TrimStart('/')))
                {
                    Scheme = address.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
                }.Uri,
            };
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            await remoting.DisposeAsync().ConfigureAwait(false);
            await system.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops training (an unfinished run's <see cref="Completion"/> is cancelled), closes the workers' connections,
    /// pushes the last metrics to an OTLP collector (when there is one) and stops Kestrel, letting running requests finish.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _coordinator.StopAsync().ConfigureAwait(false);
        await _remoting.DisposeAsync().ConfigureAwait(false);
        ClusterMnistMetrics.Flush(_app.Services, TimeSpan.FromSeconds(5));
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await StopAsync(deadline.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        await _system.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<TrainingResult> PublishFinalAsync(CoordinatorHost coordinator, ThrottledParameterPublisher publisher, long totalSteps)
    {
        var result = await coordinator.Completion.ConfigureAwait(false);
        publisher.PublishFinal(totalSteps, result.Parameters);
        return result;
    }

    private static WebApplication BuildApp(
        CoordinatorServerSettings settings, RemotingNode remoting, ModelSnapshotHolder models, IClusterStatusSource status)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(settings.Url);
        // Large receive blocks for the cluster socket: see LargeBlockMemoryPool.
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>>(new LargeBlockMemoryPoolFactory());
        // Request logs would drown the cluster's own lines; the actor system logs joins, departures and epochs.
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        builder.Services.AddClusterMnistMetrics(settings.Server);

        // Shutdown waits for running requests; a worker's socket request lasts as long as the worker, so keep it short.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(3));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map(settings.ClusterPath, ClusterEndpoint.Handle(remoting));
        app.MapClusterMnist(settings.Server, models, status);
        return app;
    }
}
