using System.Net;
using Akka.Actor;
using Akka.Hosting;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Serialization;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Metrics;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Builder;
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
/// The coordinator process in one object: one host running Kestrel (the HTTP API and web page) and the coordinator
/// node's actor system (Akka.Remote with mutual TLS, Akka.Cluster as the seed), a coordinator actor, and the data
/// plane where workers on other hosts stream tensors. Parameters reach <c>/api/predict</c> as training goes (throttled
/// copies) and the coordinator's status reaches <c>/api/status</c>; after the run the final model keeps being served
/// until the server is stopped.
/// </summary>
public sealed class CoordinatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CoordinatorHost _coordinator;
    private readonly CoordinatorDataPlane _dataPlane;
    private int _disposed;

    private CoordinatorServer(WebApplication app, ActorSystem system, CoordinatorHost coordinator, CoordinatorDataPlane dataPlane, ModelSnapshotHolder models,
        IClusterStatusSource status, Uri address, Task<TrainingResult> completion, ParameterSnapshot? resumedFrom)
    {
        _app = app;
        _coordinator = coordinator;
        _dataPlane = dataPlane;
        Models = models;
        Status = status;
        Address = address;
        Completion = completion;
        ResumedFrom = resumedFrom;
        System = system;
    }

    /// <summary>The Kestrel app's services (for tests).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>The coordinator node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The HTTP address with the real port, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>The coordinator's cluster address with the real port, e.g. <c>akka.ssl.tcp://clustermnist@host:4053</c> (what workers join).</summary>
    public Akka.Actor.Address ClusterAddress => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>Where the data plane listens (the real port).</summary>
    public IPEndPoint DataPlaneEndpoint => _dataPlane.LocalEndpoint;

    /// <summary>True when the data plane uses TLS (a certificate, and Coordinator:DataPlaneEncryption on).</summary>
    public bool DataPlaneEncrypted => _dataPlane.Encrypted;

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
    /// a new run of <paramref name="options"/>. Returns once Kestrel accepts connections and the node is up.
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
        var (run, coordinatorSettings) = resumeFrom is null
            ? (new TrainingRun(options, data), settings.Coordinator)
            : CoordinatorHost.PrepareResume(resumeFrom, data, settings.Coordinator);
        var events = new CoordinatorEvents();
        int stepsPerEpoch = run.StepsPerEpoch;
        var publisher = new ThrottledParameterPublisher(models, run.Options.Model, stepsPerEpoch, settings.PublishInterval, TimeProvider.System);
        events.ParametersPublished += snapshot => publisher.OnStep(snapshot.Step, snapshot.Parameters.Span);
        var completion = PublishFinalAsync(events, publisher, (long)stepsPerEpoch * run.Options.Epochs);

        var configuration = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in LocalTrainingFeed.Describe(run.Options))
        {
            configuration[key] = value;
        }

        configuration["minWorkers"] = coordinatorSettings.MinWorkers.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
        configuration["checkpoint"] = coordinatorSettings.CheckpointPath ?? "none";
        foreach (var (key, value) in settings.ShownConfiguration)
        {
            configuration[key] = value;
        }

        var status = new CoordinatorStatusSource(events, run.Options.Epochs, stepsPerEpoch, configuration, run.History,
            snapshot => StateOverride(snapshot, completion));

        var security = settings.Node.Certificate is { } certificate && settings.EncryptDataPlane
            ? DataPlaneSecurity.MutualTls(certificate)
            : DataPlaneSecurity.PlaintextForTrustedNetwork();
        var dataPlane = await CoordinatorDataPlane.StartAsync(settings.Node.BindHost, settings.DataPlanePort, settings.Node.PublicHost, security,
            run.Parameters.Length, TensorMessageSerializer.MaxControlBytes(run.Options.BatchSize, run.Layout.SegmentCount),
            loggerFactory.CreateLogger("ClusterMnist.DataPlane"), cancellationToken).ConfigureAwait(false);
        WebApplication? app = null;
        try
        {
            // The live model's ONNX export names the data it trains on.
            var served = settings with { Server = settings.Server with { Dataset = data.Name, TrainFingerprint = data.Train.Fingerprint } };
            app = BuildApp(served, models, status, loggerFactory);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var system = app.Services.GetRequiredService<ActorSystem>();
            var coordinator = CoordinatorHost.Start(system, run, coordinatorSettings, events, dataPlane);
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            // The port actually bound, not the 0 a test or a script may have asked for.
            status.ShowConfiguration("bind", addresses.First());
            var address = new Uri(addresses.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)
                .Replace("[::]", "localhost", StringComparison.Ordinal) + "/");
            return new CoordinatorServer(app, system, coordinator, dataPlane, models, status, address, completion, resumedFrom);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            await dataPlane.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops training (an unfinished run's <see cref="Completion"/> is cancelled), closes the data plane, pushes the
    /// last metrics to an OTLP collector (when there is one), leaves the cluster and stops Kestrel, letting running
    /// requests finish.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _coordinator.StopAsync().ConfigureAwait(false);
        await _dataPlane.DisposeAsync().ConfigureAwait(false);
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

        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await StopAsync(deadline.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The state the server shows where it differs from the coordinator's own: "failed" when the run faulted, and
    /// "training" from the coordinator's last step until the final model is served, so that a client that waits for
    /// "finished" and then predicts gets the final model.
    /// </summary>
    internal static string? StateOverride(Cluster.Coordinator.ClusterStatus? snapshot, Task completion) =>
        completion.IsFaulted || completion.IsCanceled ? "failed"
        : snapshot?.Phase == CoordinatorPhase.Completed && !completion.IsCompletedSuccessfully ? "training"
        : null;

    private static async Task<TrainingResult> PublishFinalAsync(CoordinatorEvents events, ThrottledParameterPublisher publisher, long totalSteps)
    {
        var result = await events.Completion.ConfigureAwait(false);
        publisher.PublishFinal(totalSteps, result.Parameters);
        return result;
    }

    private static WebApplication BuildApp(CoordinatorServerSettings settings, ModelSnapshotHolder models, IClusterStatusSource status,
        ILoggerFactory loggerFactory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(settings.Url);
        // Request logs would drown the cluster's own lines; the actors log joins, departures and epochs.
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        builder.Services.AddClusterMnistMetrics(settings.Server);
        builder.Services.AddAkka(ClusterMnistAkka.SystemName, akka => akka.WithClusterMnist(settings.Node, loggerFactory));
        // Stopping leaves the cluster first (coordinated shutdown), then lets running requests finish.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));
        var app = builder.Build();
        app.MapClusterMnist(settings.Server, models, status);
        return app;
    }
}
