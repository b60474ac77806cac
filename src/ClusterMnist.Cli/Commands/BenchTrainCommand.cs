using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Kernels;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `bench train`: training samples/s on synthetic in-memory data. By default it measures what `train` runs (the
/// in-process cluster); `--trainer local` measures the plain-thread LocalTrainer and `--trainer both` measures the
/// two side by side. Every round is a fresh run whose clock starts after its warm-up steps; rounds of the
/// different trainers and worker counts are interleaved so that a change in machine load hits all of them, and
/// each line reports the median round. Each round also measures the single-core FMA peak just before it, so
/// the fraction of the peak (the model's matrix-product FLOPs per sample × samples/s ÷ the peak of the cores the
/// workers use, one per worker) pairs numbers
/// taken under the same load, and records the engine's step split (<see cref="StepTimings"/>).
/// </summary>
internal static class BenchTrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "SPEC", Description = "Network to train.", DefaultValueFactory = _ => "784-256-128-10" };
        var batch = new Option<int?>("--batch") { HelpName = "N", Description = "Global batch size. Default 256." }.AtLeast(1);
        var workers = new Option<string?>("--workers")
        {
            HelpName = "N[,N…]",
            Description = "Worker counts to measure, e.g. 1,2 (each a line; ratios are to the first). Default: 1 and one per core.",
        };
        var trainer = new Option<string>("--trainer")
        {
            HelpName = "cluster|local|both",
            Description = "cluster: the in-process cluster that `train` runs; local: LocalTrainer's plain threads; both: side by side.",
            DefaultValueFactory = _ => "cluster",
        };
        trainer.AcceptOnlyFromAmong("cluster", "local", "both");
        var steps = new Option<int?>("--steps") { HelpName = "N", Description = "Timed training steps per round. Default 100." }.AtLeast(1);
        var warmup = new Option<int?>("--warmup") { HelpName = "N", Description = "Untimed steps before each round's clock starts. Default 20." }.AtLeast(1);
        var rounds = new Option<int?>("--rounds") { HelpName = "N", Description = "Timed rounds per trainer and worker count; the median is reported. Default 5." }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object per trainer and worker count instead of text." };
        var command = new Command("train", "Train on synthetic in-memory data and print the median samples/s of several timed rounds.")
        {
            model, batch, workers, trainer, steps, warmup, rounds, json,
        };
        workers.Validators.Add(result =>
        {
            if (ParseWorkers(result.GetValueOrDefault<string?>()) is null)
                result.AddError($"--workers must be a comma-separated list of distinct counts from 1 to {TrainSettings.MaxWorkers}, not '{result.GetValueOrDefault<string?>()}'.");
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var spec = BenchGemmCommand.ParseModel(parseResult.GetValue(model)!);
            var trainers = parseResult.GetValue(trainer) switch
            {
                "local" => new[] { "local" },
                "both" => new[] { "local", "cluster" },
                _ => new[] { "cluster" },
            };
            var setup = new BenchSetup(spec, parseResult.GetValue(batch) ?? 256, ParseWorkers(parseResult.GetValue(workers))!, trainers,
                parseResult.GetValue(steps) ?? 100, parseResult.GetValue(warmup) ?? 20, parseResult.GetValue(rounds) ?? 5);
            foreach (var line in Measure(setup, cancellationToken))
            {
                console.Out.WriteLine(parseResult.GetValue(json) ? JsonLine.Serialize(line) : Describe(line));
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>Runs every round (interleaved) and returns one line per trainer and worker count.</summary>
    public static IReadOnlyList<TrainBenchmarkLine> Measure(BenchSetup setup, CancellationToken cancellationToken)
    {
        int stepsPerRun = setup.WarmupSteps + setup.Steps;
        var data = RandomImages.Create(setup.Spec.InputSize, setup.Spec.OutputSize, setup.Batch * stepsPerRun, Math.Min(setup.Batch, 256), seed: 1);
        var rounds = new Dictionary<(string Trainer, int Workers), List<RoundResult>>();
        for (int round = 0; round < setup.Rounds; round++)
        {
            foreach (int workers in setup.Workers)
            {
                foreach (string trainer in setup.Trainers)
                {
                    var result = TimeRound(setup, trainer, workers, data, cancellationToken);
                    var list = rounds.TryGetValue((trainer, workers), out var l) ? l : rounds[(trainer, workers)] = [];
                    list.Add(result);
                }
            }
        }

        var lines = new List<TrainBenchmarkLine>();
        long flopsPerSample = setup.Spec.TrainingFlopsPerSample;
        foreach (string trainer in setup.Trainers)
        {
            foreach (int workers in setup.Workers)
            {
                var results = rounds[(trainer, workers)];
                var seconds = Seconds(results);
                var rates = seconds.Select(s => Math.Round(setup.Steps * setup.Batch / s, 1)).ToArray();
                double median = Statistics.Median(rates);
                double medianSeconds = Statistics.Median(seconds);
                double Gflops(double samplesPerSecond) => samplesPerSecond * flopsPerSample / 1e9;
                double gflops = Gflops(median);
                // The peak of the cores the workers compute on: one each (a worker runs one computing thread), at most all.
                int cores = Math.Min(workers, Environment.ProcessorCount);
                double peak = cores * Statistics.Median(results.Select(r => r.PeakGflops));
                // Each round's rate over the peak measured right before it, then the median of those fractions.
                double fraction = Statistics.Median(results.Select(r => Gflops(setup.Steps * setup.Batch / r.Seconds) / (cores * r.PeakGflops)));

                // Ratios pair the rounds run back to back (same round index), then take the median of the pairs.
                double? speedup = setup.Workers.Count == 1 ? null : PairedRatio(Seconds(rounds[(trainer, setup.Workers[0])]), seconds);
                double? relative = trainer == "local" || !setup.Trainers.Contains("local") ? null
                    : PairedRatio(Seconds(rounds[("local", workers)]), seconds);
                lines.Add(new TrainBenchmarkLine("train", trainer, setup.Spec.ToString(), setup.Batch, workers, setup.Steps, setup.WarmupSteps,
                    setup.Rounds, Math.Round(medianSeconds, 4), Math.Round(median, 1), rates, speedup, relative,
                    flopsPerSample, Math.Round(gflops, 2), Math.Round(peak, 2), results[0].InstructionSet, Math.Round(fraction, 4),
                    StepSplitLine.Median(results.Select(r => r.Split).ToList())));
            }
        }

        return lines;
    }

    private static List<double> Seconds(List<RoundResult> results) => results.Select(r => r.Seconds).ToList();

    // One fresh run of warm-up + timed steps, after a short FMA-peak measurement; the clock and the engine's step
    // timers run from the end of the last warm-up step to the end of the last step.
    private static RoundResult TimeRound(BenchSetup setup, string trainer, int workers, DataSplit data, CancellationToken cancellationToken)
    {
        var peak = FmaPeak.Measure(PeakDuration);
        var options = new TrainingOptions(
            setup.Spec, Initialization.He, new OptimizerSpec(OptimizerKind.Adam), new LearningRateSchedule(ScheduleKind.Constant, 1e-3f),
            setup.Batch, Epochs: 1, workers, Seed: 1);
        var clock = new Stopwatch();
        int lastStep = setup.WarmupSteps + setup.Steps;
        StepTimeTotals? totals = null;
        void OnStep(StepReport step)
        {
            if (step.Step == setup.WarmupSteps)
            {
                StepTimings.Reset();
                clock.Start();
            }
            else if (step.Step == lastStep)
            {
                clock.Stop();
                totals = StepTimings.Snapshot();
            }
        }

        StepTimings.Enabled = true;
        try
        {
            RunTrainer(trainer, options, data, OnStep, cancellationToken);
        }
        finally
        {
            StepTimings.Enabled = false;
        }

        double seconds = clock.Elapsed.TotalSeconds;
        var split = StepSplitLine.From(totals ?? throw new InvalidOperationException("The run ended before its last timed step."),
            seconds * 1000 / setup.Steps, setup.Steps, workers);
        return new RoundResult(seconds, peak.GigaflopsPerSecond, peak.InstructionSet, split);
    }

    private static void RunTrainer(string trainer, TrainingOptions options, DataSplit data, Action<StepReport> onStep, CancellationToken cancellationToken)
    {

        if (trainer == "local")
        {
            var local = new LocalTrainer(options, data);
            local.StepCompleted += onStep;
            local.Run(cancellationToken);
        }
        else
        {
            var cluster = new InProcessCluster(options, data);
            cluster.StepCompleted += onStep;
            cluster.Run(cancellationToken);
        }
    }

    private static string Describe(TrainBenchmarkLine line)
    {
        var text = $"{line.Trainer,-7} {line.Model}, batch {line.Batch}, {line.Workers} worker(s): "
            + $"{line.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} samples/s median of {line.Rounds} rounds of {line.Steps} steps "
            + $"(rounds: {string.Join(", ", line.RoundSamplesPerSecond.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))})";
        if (line.SpeedupVsFirstWorkers is { } speedup)
            text += $", {speedup.ToString("F2", CultureInfo.InvariantCulture)}× the first worker count";
        if (line.RelativeToLocal is { } relative)
            text += $", {relative.ToString("F2", CultureInfo.InvariantCulture)}× local";
        text += string.Create(CultureInfo.InvariantCulture,
            $"\n        {line.FractionOfPeak:F3} of the FMA peak of {Math.Min(line.Workers, Environment.ProcessorCount)} core(s) ({line.Gflops:F1} of {line.PeakGflops:F1} GFLOP/s {line.InstructionSet}, {line.FlopsPerSample:N0} FLOP/sample)");
        text += $"\n        {line.StepSplitMs.Describe()}";
        return text;
    }

    // Long enough for a stable median of FmaPeak's short trials, short beside a round.
    private static readonly TimeSpan PeakDuration = TimeSpan.FromMilliseconds(300);

    /// <summary>One timed round: its seconds, the FMA peak measured just before it, and the engine's step split.</summary>
    private sealed record RoundResult(double Seconds, double PeakGflops, string InstructionSet, StepSplitLine Split);

    // Median over rounds of (baseline seconds / seconds), i.e. of the samples/s ratio of the two rounds.
    private static double PairedRatio(List<double> baselineSeconds, List<double> seconds)
        => Math.Round(Statistics.Median(baselineSeconds.Zip(seconds, (b, s) => b / s)), 3);

    private static List<int>? ParseWorkers(string? text)
    {
        if (text is null)
            return Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
        var counts = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count is < 1 or > TrainSettings.MaxWorkers || counts.Contains(count))
                return null;
            counts.Add(count);
        }

        return counts;
    }

    /// <summary>What one `bench train` invocation measures.</summary>
    internal sealed record BenchSetup(ModelSpec Spec, int Batch, List<int> Workers, string[] Trainers, int Steps, int WarmupSteps, int Rounds);
}
