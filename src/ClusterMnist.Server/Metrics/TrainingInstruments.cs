using System.Diagnostics.Metrics;
using ClusterMnist.Server.Status;

namespace ClusterMnist.Server.Metrics;

/// <summary>
/// Training and cluster instruments, all observed from the status source when a scrape or an export collects:
/// gauges for where the run is, counters for the running totals (steps, samples, data-plane bytes, step time by
/// phase, reassignments) and members by state, labelled with whatever state words the status reports.
/// </summary>
internal static class TrainingInstruments
{
    public static void Create(Meter meter, IClusterStatusSource status)
    {
        Gauge(meter, status, "clustermnist.training.step", m => m.Step, "Optimizer steps done in the run (its global step).");
        Gauge(meter, status, "clustermnist.training.epoch", m => m.Epoch, "Epoch in progress (1-based; 0 before training).");
        Gauge(meter, status, "clustermnist.training.loss", m => m.Loss, "Running mean training loss of the epoch in progress.");
        Gauge(meter, status, "clustermnist.training.accuracy", m => m.Accuracy, "Running training accuracy of the epoch in progress.");
        Gauge(meter, status, "clustermnist.training.samples_per_second", m => m.SamplesPerSecond, "Training throughput of the epoch in progress.");
        Gauge(meter, status, "clustermnist.live_workers", m => m.LiveWorkers, "Workers currently taking part in training.");
        Gauge(meter, status, "clustermnist.bytes_per_step", m => m.BytesPerStep, "Bytes the coordinator sent and received for the last step.");
        meter.CreateObservableGauge("clustermnist.test.accuracy",
            () => status.GetMetrics().TestAccuracy is { } accuracy ? [new Measurement<double>(accuracy)] : Array.Empty<Measurement<double>>(),
            description: "Test accuracy after the last finished epoch (absent before the first).");
        meter.CreateObservableGauge("clustermnist.cluster.members",
            () => status.GetMetrics().MembersByState.Select(s => new Measurement<int>(s.Value, new KeyValuePair<string, object?>("state", s.Key))),
            unit: "{member}", description: "Cluster members by state, as the coordinator reports it.");

        Counter(meter, status, "clustermnist.training.steps", "{step}", t => t.Steps, "Optimizer steps this coordinator completed.");
        Counter(meter, status, "clustermnist.training.samples", "{sample}", t => t.Samples, "Training samples in those steps.");
        Counter(meter, status, "clustermnist.data_plane.bytes", "By", t => t.DataPlaneBytes,
            "Bytes of parameters, shards and gradient sums moved between the coordinator and its workers.");
        Counter(meter, status, "clustermnist.cluster.reassignments", "{assignment}", t => t.Reassignments,
            "Assignments handed to another worker because theirs left or died.");
        meter.CreateObservableCounter("clustermnist.training.step.time", () => StepTime(status.GetMetrics().Totals), unit: "s",
            description: "Step wall time by phase: compute (workers), communication, reduction (coordinator) and waiting.");
    }

    private static IEnumerable<Measurement<double>> StepTime(TrainingTotals totals) =>
    [
        new(totals.Time.Compute, new KeyValuePair<string, object?>("phase", "compute")),
        new(totals.Time.Communication, new KeyValuePair<string, object?>("phase", "communication")),
        new(totals.Time.Reduction, new KeyValuePair<string, object?>("phase", "reduction")),
        new(totals.Time.Waiting, new KeyValuePair<string, object?>("phase", "waiting")),
    ];

    private static void Gauge(Meter meter, IClusterStatusSource status, string name, Func<ClusterMetrics, double> value, string description) =>
        meter.CreateObservableGauge(name, () => value(status.GetMetrics()), description: description);

    private static void Counter(Meter meter, IClusterStatusSource status, string name, string unit, Func<TrainingTotals, long> value, string description) =>
        meter.CreateObservableCounter(name, () => value(status.GetMetrics().Totals), unit: unit, description: description);
}
