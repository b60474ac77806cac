using System.Text.Encodings.Web;
using System.Text.Json;

namespace ClusterMnist.Cli.Reporting;

/// <summary>
/// Machine-readable results: one compact JSON object per line with snake_case names, so a script can take the
/// last line of `train --json` or every line of `bench --json` and parse it without scraping tables.
/// </summary>
internal static class JsonLine
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,

        // Lines go to terminals and log files, never into HTML: keep "784->256" readable instead of "784-\u003E256".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}

/// <summary>The last line of `train --json`.</summary>
internal sealed record TrainSummary(
    double TestAccuracy,
    int Epochs,
    double TrainSeconds,
    double SamplesPerSecond,
    int Workers,
    string ParamSha256);

/// <summary>One line of `bench gemm --json`: one matrix shape in one form.</summary>
internal sealed record GemmBenchmarkLine(
    string Benchmark,
    int Batch,
    string Layer,
    string Form,
    int M,
    int N,
    int K,
    double Gflops,
    double PeakGflops,
    string InstructionSet,
    double FractionOfPeak);

/// <summary>
/// One line of `bench train --json`: one trainer at one worker count, the median of its timed rounds, and the
/// ratios to the first worker count and to the local trainer (medians of per-round ratios, same run); the
/// matrix-product GFLOP/s, the FMA peak and their ratio (the median of per-round ratios), and the step's split.
/// </summary>
internal sealed record TrainBenchmarkLine(
    string Benchmark,
    string Trainer,
    string Model,
    int Batch,
    int Workers,
    int Steps,
    int WarmupSteps,
    int Rounds,
    double Seconds,
    double SamplesPerSecond,
    double[] RoundSamplesPerSecond,
    double? SpeedupVsFirstWorkers,
    double? RelativeToLocal,
    long FlopsPerSample,
    double Gflops,
    double PeakGflops,
    string InstructionSet,
    double FractionOfPeak,
    StepSplitLine StepSplitMs);
