using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `bench train`: training samples/s on synthetic in-memory data. By default it measures what `train` runs (the
/// in-process cluster); `--trainer local` measures the plain-thread LocalTrainer and `--trainer both` measures the
/// two side by side. Every round is a fresh run whose clock starts after its warm-up steps; rounds of the
/// different trainers and worker counts are interleaved so that a change in machine load hits all of them, and
/// each line reports the median round.
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
                result.AddError($"--workers must be a comma-separated list of positive counts, not '{result.GetValueOrDefault<string?>()}'.");
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
        var data = SyntheticData.Create(setup.Spec.InputSize, setup.Spec.OutputSize, setup.Batch * stepsPerRun, Math.Min(setup.Batch, 256), seed: 1);
        var samples = new Dictionary<(string Trainer, int Workers), List<double>>();
        for (int round = 0; round < setup.Rounds; round++)
        {
            foreach (int workers in setup.Workers)
            {
                foreach (string trainer in setup.Trainers)
                {
                    double seconds = TimeRound(setup, trainer, workers, data, cancellationToken);
                    var list = samples.TryGetValue((trainer, workers), out var l) ? l : samples[(trainer, workers)] = [];
                    list.Add(seconds);
                }
            }
        }

        var lines = new List<TrainBenchmarkLine>();
        foreach (string trainer in setup.Trainers)
        {
            foreach (int workers in setup.Workers)
            {
                var rates = samples[(trainer, workers)].Select(s => Math.Round(setup.Steps * setup.Batch / s, 1)).ToArray();
                double median = Statistics.Median(rates);
                double medianSeconds = Statistics.Median(samples[(trainer, workers)]);

                // Ratios pair the rounds run back to back (same round index), then take the median of the pairs.
                double? speedup = setup.Workers.Count == 1 ? null : PairedRatio(samples[(trainer, setup.Workers[0])], samples[(trainer, workers)]);
                double? relative = trainer == "local" || !setup.Trainers.Contains("local") ? null
                    : PairedRatio(samples[("local", workers)], samples[(trainer, workers)]);
                lines.Add(new TrainBenchmarkLine("train", trainer, setup.Spec.ToString(), setup.Batch, workers, setup.Steps, setup.WarmupSteps,
                    setup.Rounds, Math.Round(medianSeconds, 4), Math.Round(median, 1), rates, speedup, relative));
            }
        }

        return lines;
    }

    // One fresh run of warm-up + timed steps; the clock runs from the end of the last warm-up step to the end of the last step.
    private static double TimeRound(BenchSetup setup, string trainer, int workers, DataSplit data, CancellationToken cancellationToken)
    {
        var options = new TrainingOptions(
            setup.Spec, Initialization.He, new OptimizerSpec(OptimizerKind.Adam), new LearningRateSchedule(ScheduleKind.Constant, 1e-3f),
            setup.Batch, Epochs: 1, workers, Seed: 1);
        var clock = new Stopwatch();
        int lastStep = setup.WarmupSteps + setup.Steps;
        void OnStep(StepReport step)
        {
            if (step.Step == setup.WarmupSteps)
                clock.Start();
            else if (step.Step == lastStep)
                clock.Stop();
        }

        if (trainer == "local")
        {
            var local = new LocalTrainer(options, data);
            local.StepCompleted += OnStep;
            local.Run(cancellationToken);
        }
        else
        {
            var cluster = new InProcessCluster(options, data);
            cluster.StepCompleted += OnStep;
            cluster.Run(cancellationToken);
        }

        return clock.Elapsed.TotalSeconds;
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
        return text;
    }

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
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || counts.Contains(count))
                return null;
            counts.Add(count);
        }

        return counts;
    }

    /// <summary>What one `bench train` invocation measures.</summary>
    internal sealed record BenchSetup(ModelSpec Spec, int Batch, List<int> Workers, string[] Trainers, int Steps, int WarmupSteps, int Rounds);
}
