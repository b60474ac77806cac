using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ClusterMnist.Server.Metrics;

/// <summary>
/// The OpenTelemetry metrics pipeline of a ClusterMnist host: our instruments (meter <see cref="MeterName"/>) and
/// ASP.NET Core's request metrics, exported at <c>/metrics</c> by the Prometheus exporter and, when
/// <see cref="ServerOptions.OtlpEndpoint"/> is set, pushed over OTLP.
/// </summary>
public static class ClusterMnistMetrics
{
    /// <summary>The meter every ClusterMnist instrument belongs to.</summary>
    public const string MeterName = "ClusterMnist";

    // ASP.NET Core's own meter: http.server.request.duration for every route, the predict and model downloads included.
    private const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";

    /// <summary>
    /// Registers the pipeline; <see cref="ServerApp.MapClusterMnist"/> needs it. Only meters created by this
    /// service provider's <see cref="IMeterFactory"/> are listened to (<see cref="MeterScope.Local"/>), so two hosts
    /// in one process (tests, benchmarks) each export their own numbers.
    /// </summary>
    public static IServiceCollection AddClusterMnistMetrics(this IServiceCollection services, ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddMetrics(metrics => metrics
            .EnableMetrics(MeterName, instrumentName: null, listenerName: null, scopes: MeterScope.Local)
            .EnableMetrics(AspNetCoreHostingMeter, instrumentName: null, listenerName: null, scopes: MeterScope.Local));
        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, names the service instead (the SDK reads it by default).
                if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
                {
                    resource.AddService("clustermnist");
                }
            })
            .WithMetrics(metrics =>
            {
                // No AddMeter here: the subscription rules above decide, which is what keeps the scope local (AddMeter
                // listens by name across the process, and two hosts would then export each other's numbers).
                // Every scrape collects afresh (the default 300 ms response cache would show a test stale numbers).
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter(otlp =>
                    {
                        otlp.Endpoint = endpoint;
                        otlp.Protocol = OtlpProtocolOf(endpoint);
                    });
                }
            });
        return services;
    }

    /// <summary>
    /// OTLP over HTTP when the endpoint names the metrics path (<c>…/v1/metrics</c>, as OTLP/HTTP endpoints do), else
    /// gRPC (an OTLP/gRPC endpoint is a bare host and port, e.g. <c>http://collector:4317</c>).
    /// </summary>
    public static OtlpExportProtocol OtlpProtocolOf(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.AbsolutePath.TrimEnd('/').EndsWith("/v1/metrics", StringComparison.Ordinal)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;
    }

    /// <summary>
    /// Pushes the current values to the OTLP collector, if any, before the host stops: at disposal the SDK's last
    /// export no longer sees the observable instruments (their listener is gone by then), so without this the
    /// collector's last word on a run would lack the gauges and counters.
    /// </summary>
    internal static void Flush(IServiceProvider services, TimeSpan timeout) =>
        services.GetService<MeterProvider>()?.ForceFlush((int)timeout.TotalMilliseconds);

    /// <summary>Creates our instruments on the host's meter; returns the serving ones the prediction endpoint records into.</summary>
    internal static PredictionMetrics CreateInstruments(IServiceProvider services, Status.IClusterStatusSource status, Snapshots.IModelSnapshotSource models)
    {
        var factory = services.GetService<IMeterFactory>()
            ?? throw new InvalidOperationException("ClusterMnist's metrics are not registered: call services.AddClusterMnistMetrics(...) before building the app.");
        // No meter version: Prometheus would carry it as a label on every series and start new series at each upgrade.
        var meter = factory.Create(MeterName);
        TrainingInstruments.Create(meter, status);
        ModelInstruments.Create(meter, models);
        return new PredictionMetrics(meter);
    }
}
