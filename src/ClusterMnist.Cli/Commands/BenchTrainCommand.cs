using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>`bench train`: training samples/s on synthetic in-memory data, not counting set-up.</summary>
internal static class BenchTrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "SPEC", Description = "Network to train.", DefaultValueFactory = _ => "784-256-128-10" };
        var batch = new Option<int?>("--batch") { HelpName = "N", Description = "Global batch size. Default 256." }.AtLeast(1);
        var workers = new Option<int?>("--workers") { HelpName = "N", Description = "Worker threads. Default: one per core." }.AtLeast(1);
        var steps = new Option<int?>("--steps") { HelpName = "N", Description = "Timed training steps. Default 100." }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("train", "Train on synthetic in-memory data for a fixed number of steps and print samples/s.")
        {
            model, batch, workers, steps, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var spec = BenchGemmCommand.ParseModel(parseResult.GetValue(model)!);
            var line = Measure(spec, parseResult.GetValue(batch) ?? 256, parseResult.GetValue(workers) ?? Environment.ProcessorCount,
                parseResult.GetValue(steps) ?? 100, cancellationToken);
            console.Out.WriteLine(parseResult.GetValue(json)
                ? JsonLine.Serialize(line)
                : $"{line.Model}, batch {line.Batch}, {line.Workers} workers: {line.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} samples/s "
                  + $"({line.Steps} steps in {line.Seconds.ToString("F2", CultureInfo.InvariantCulture)} s)");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>
    /// Runs <paramref name="steps"/> + 1 steps and times the last <paramref name="steps"/>: the clock starts when
    /// the first step completes, so allocation, data generation and first-call JIT compilation are left out.
    /// </summary>
    public static TrainBenchmarkLine Measure(ModelSpec spec, int batch, int workers, int steps, CancellationToken cancellationToken)
    {
        var data = SyntheticData.Create(spec.InputSize, spec.OutputSize, batch * (steps + 1), Math.Min(batch, 256), seed: 1);
        var options = new TrainingOptions(
            spec, Initialization.He, new OptimizerSpec(OptimizerKind.Adam), new LearningRateSchedule(ScheduleKind.Constant, 1e-3f),
            batch, Epochs: 1, workers, Seed: 1);
        var trainer = new LocalTrainer(options, data);
        var clock = new Stopwatch();
        var timedSteps = 0L;
        trainer.StepCompleted += step =>
        {
            if (step.Step == 1)
            {
                clock.Start();
            }
            else
            {
                timedSteps = step.Step - 1;
                if (step.StepInEpoch == step.StepsPerEpoch)
                {
                    clock.Stop();
                }
            }
        };
        trainer.Run(cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        return new TrainBenchmarkLine("train", spec.ToString(), batch, workers, (int)timedSteps, Math.Round(seconds, 4),
            Math.Round(timedSteps * batch / seconds, 1));
    }
}
