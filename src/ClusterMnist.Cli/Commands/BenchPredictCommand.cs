using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Cli.Commands;

/// <summary>`bench predict`: <see cref="Network.Predict"/> images/s on one thread, for several batch sizes in one run.</summary>
internal static class BenchPredictCommand
{
    /// <summary>Single images (the HTTP API's common case), a small coalesced pass, a micro-shard and a full server pass.</summary>
    public static readonly int[] DefaultRows = [1, 4, 32, 128];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Network to run.", DefaultValueFactory = _ => "784-256-128-10", HelpName = "SPEC" };
        var rows = new Option<int?>("--rows") { Description = "Images per Predict call, 1–65536. Default: 1, 4, 32 and 128.", HelpName = "N" }.InRange(1, 65_536);
        var rounds = new Option<int?>("--rounds") { Description = "Timed rounds per batch size; the median is reported. Default 5.", HelpName = "N" }.AtLeast(1);
        var duration = new Option<int?>("--duration-ms") { Description = "Length of one round, in milliseconds. Default 400.", HelpName = "MS" }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object per batch size instead of text." };
        var command = new Command("predict", "Network.Predict images/s on one thread (median of several rounds) for 1, 4, 32 and 128 rows, or the --rows given.")
        {
            model, rows, rounds, duration, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var spec = BenchGemmCommand.ParseModel(parseResult.GetValue(model)!);
            int[] sizes = parseResult.GetValue(rows) is { } n ? [n] : DefaultRows;
            var round = TimeSpan.FromMilliseconds(parseResult.GetValue(duration) ?? 400);
            int count = parseResult.GetValue(rounds) ?? 5;
            bool asJson = parseResult.GetValue(json);
            PredictBenchmarkLine? single = null;
            foreach (int size in sizes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = Measure(spec, size, count, round);
                single ??= size == 1 ? line : null;
                console.Out.WriteLine(asJson ? JsonLine.Serialize(line) : Describe(line, single));
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// Images/s of <see cref="Network.Predict"/> with <paramref name="rows"/> images per call on the calling thread:
    /// the median (and best) of <paramref name="rounds"/> rounds after a warm-up that lets tiered JIT settle.
    /// </summary>
    public static PredictBenchmarkLine Measure(ModelSpec spec, int rows, int rounds, TimeSpan round)
    {
        var network = new Network(spec);
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.He, 1);
        var inputs = new float[rows * spec.InputSize];
        var rng = new Rng(2);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = rng.NextFloat();
        }

        var outputs = new float[rows * spec.OutputSize];
        var workspace = network.CreateWorkspace(rows);
        RunFor(network, parameters, inputs, rows, outputs, workspace, TimeSpan.FromMilliseconds(300));
        var rates = new double[rounds];
        for (int r = 0; r < rounds; r++)
        {
            rates[r] = RunFor(network, parameters, inputs, rows, outputs, workspace, round);
        }

        double median = Statistics.Median(rates);
        return new PredictBenchmarkLine("predict", spec.ToString(), rows, rounds,
            Math.Round(median, 0), Math.Round(rates.Max(), 0), Math.Round(1e6 * rows / median, 3));
    }

    private static double RunFor(Network network, float[] parameters, float[] inputs, int rows, float[] outputs, NetworkWorkspace workspace, TimeSpan duration)
    {
        long images = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            // Several calls between clock reads, so reading the clock is not what a 1-row call measures.
            for (int i = 0; i < 16; i++)
            {
                network.Predict(parameters, inputs, rows, outputs, workspace);
            }

            images += 16L * rows;
        }

        return images / clock.Elapsed.TotalSeconds;
    }

    private static string Describe(PredictBenchmarkLine line, PredictBenchmarkLine? single)
    {
        string rate = line.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture);
        string best = line.BestImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture);
        string perCall = line.MicrosecondsPerCall.ToString("F1", CultureInfo.InvariantCulture);
        string ratio = single is null || line.Rows == 1
            ? string.Empty
            : $", {(line.ImagesPerSecond / single.ImagesPerSecond).ToString("F1", CultureInfo.InvariantCulture)}× the 1-row rate";
        return $"{line.Model}, {line.Rows,3} rows per call: {rate,10} images/s median of {line.Rounds} (best {best}), {perCall} µs per call{ratio}";
    }
}

/// <summary>One line of `bench predict --json`: one batch size.</summary>
internal sealed record PredictBenchmarkLine(
    string Benchmark,
    string Model,
    int Rows,
    int Rounds,
    double ImagesPerSecond,
    double BestImagesPerSecond,
    double MicrosecondsPerCall);
