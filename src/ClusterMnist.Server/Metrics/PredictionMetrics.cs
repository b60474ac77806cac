using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ClusterMnist.Server.Metrics;

/// <summary>
/// The serving instruments: prediction requests by outcome, images classified, and a latency histogram. The counts
/// are Interlocked adds observed at collection time, so every outcome is exported from the first scrape on (a rate
/// of errors is then 0, not absent), including requests answered before the exporter subscribed; the latency goes
/// into a System.Diagnostics.Metrics histogram.
/// </summary>
internal sealed class PredictionMetrics
{
    /// <summary>Upper bounds in seconds: fine below a millisecond, where loopback predictions land.</summary>
    public static readonly double[] BucketBounds =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly PredictionOutcome[] Outcomes = Enum.GetValues<PredictionOutcome>();

    private readonly long[] _requests = new long[Outcomes.Length];
    private readonly Histogram<double> _duration;
    private long _images;

    public PredictionMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter("clustermnist.predictions", ObserveRequests, unit: "{request}", description: "Prediction requests by outcome.");
        meter.CreateObservableCounter("clustermnist.predicted_images", () => Volatile.Read(ref _images), unit: "{image}",
            description: "Images classified by successful prediction requests.");
        _duration = meter.CreateHistogram(
            "clustermnist.prediction.duration", unit: "s", description: "Time to answer a prediction request, from routing to the response written.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BucketBounds });
    }

    /// <summary>Records one request that started at <paramref name="startTimestamp"/> (Stopwatch ticks).</summary>
    public void Record(PredictionOutcome outcome, long startTimestamp, int images)
    {
        _duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
        Interlocked.Increment(ref _requests[(int)outcome]);
        Interlocked.Add(ref _images, images);
    }

    /// <summary>The <c>outcome</c> label of <paramref name="outcome"/>.</summary>
    internal static string OutcomeLabel(PredictionOutcome outcome) => outcome switch
    {
        PredictionOutcome.Ok => "ok",
        PredictionOutcome.BadRequest => "bad_request",
        PredictionOutcome.UnsupportedMediaType => "unsupported_media_type",
        PredictionOutcome.TooLarge => "too_large",
        PredictionOutcome.ModelError => "model_error",
        PredictionOutcome.ClientClosed => "client_closed",
        _ => "no_model",
    };

    private IEnumerable<Measurement<long>> ObserveRequests() =>
        Outcomes.Select(o => new Measurement<long>(Volatile.Read(ref _requests[(int)o]), new KeyValuePair<string, object?>("outcome", OutcomeLabel(o))));
}
