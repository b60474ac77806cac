using System.Diagnostics.Metrics;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Metrics;

/// <summary>Gauges of the model being served, read from the snapshot source at each collection; absent while there is none.</summary>
internal static class ModelInstruments
{
    public static void Create(Meter meter, IModelSnapshotSource models)
    {
        meter.CreateObservableGauge("clustermnist.model.version", () => Observe(models, m => m.Version),
            description: "Version of the model being served (it increases with every publication).");
        meter.CreateObservableGauge("clustermnist.model.step", () => Observe(models, m => m.Step),
            description: "Training step of the model being served.");
    }

    private static IEnumerable<Measurement<long>> Observe(IModelSnapshotSource models, Func<ParameterSnapshot, long> value) =>
        models.Current is { } model ? [new Measurement<long>(value(model))] : [];
}
