using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;
using Microsoft.AspNetCore.Http;

namespace ClusterMnist.Server.Metrics;

/// <summary><c>GET /metrics</c>: training gauges from the status source and the prediction counters.</summary>
internal sealed class MetricsEndpoint(IClusterStatusSource status, IModelSnapshotSource models, PredictionMetrics predictions)
{
    public Task HandleAsync(HttpContext context)
    {
        var text = Render();
        context.Response.ContentType = PrometheusText.ContentType;
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    public string Render()
    {
        var metrics = status.GetMetrics();
        var model = models.Current;
        var text = new PrometheusText()
            .Gauge("clustermnist_training_step", "Optimizer steps done.", metrics.Step)
            .Gauge("clustermnist_training_epoch", "Epoch in progress (1-based; 0 before training).", metrics.Epoch)
            .Gauge("clustermnist_training_loss", "Running mean training loss of the epoch in progress.", metrics.Loss)
            .Gauge("clustermnist_training_accuracy", "Running training accuracy of the epoch in progress.", metrics.Accuracy)
            .Gauge("clustermnist_test_accuracy", "Test accuracy after the last finished epoch (NaN before the first).", metrics.TestAccuracy ?? double.NaN)
            .Gauge("clustermnist_training_samples_per_second", "Training throughput in samples per second.", metrics.SamplesPerSecond)
            .Gauge("clustermnist_live_workers", "Workers currently taking part in training.", metrics.LiveWorkers)
            .Gauge("clustermnist_bytes_per_step", "Bytes the coordinator sends and receives per optimizer step.", metrics.BytesPerStep)
            .Gauge("clustermnist_model_version", "Version of the model being served (-1 when none).", model?.Version ?? -1)
            .Gauge("clustermnist_model_step", "Training step of the model being served (-1 when none).", model?.Step ?? -1);

        text.Family("clustermnist_predictions_total", "counter", "Prediction requests by outcome.");
        foreach (var outcome in Enum.GetValues<PredictionOutcome>())
        {
            text.Sample("clustermnist_predictions_total", predictions.Count(outcome), $"outcome=\"{OutcomeLabel(outcome)}\"");
        }

        text.Family("clustermnist_predicted_images_total", "counter", "Images classified by successful prediction requests.")
            .Sample("clustermnist_predicted_images_total", predictions.Images);

        const string latency = "clustermnist_prediction_duration_seconds";
        text.Family(latency, "histogram", "Time to answer a prediction request, from routing to the response written.");
        var counts = predictions.BucketCounts();
        long cumulative = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            cumulative += counts[i];
            double bound = i < PredictionMetrics.BucketBounds.Length ? PredictionMetrics.BucketBounds[i] : double.PositiveInfinity;
            text.Sample(latency + "_bucket", cumulative, $"le=\"{PrometheusText.Format(bound)}\"");
        }

        text.Sample(latency + "_sum", predictions.SumSeconds).Sample(latency + "_count", cumulative);
        return text.ToString();
    }

    internal static string OutcomeLabel(PredictionOutcome outcome) => outcome switch
    {
        PredictionOutcome.Ok => "ok",
        PredictionOutcome.BadRequest => "bad_request",
        PredictionOutcome.UnsupportedMediaType => "unsupported_media_type",
        PredictionOutcome.TooLarge => "too_large",
        _ => "no_model",
    };
}
