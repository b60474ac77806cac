using System.Diagnostics;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Training;
using Spectre.Console;

namespace ClusterMnist.Cli.Reporting;

/// <summary>
/// Runs a trainer (<see cref="ITrainer"/>: the in-process cluster or LocalTrainer) while showing its progress: on a terminal, one bar for the run and one for
/// the current epoch (loss, accuracy, samples/s); otherwise a plain line per epoch, plus a step line every
/// <see cref="PlainStepInterval"/> so long epochs still show signs of life in a CI log.
/// </summary>
internal static class TrainingProgressView
{
    private static readonly TimeSpan PlainStepInterval = TimeSpan.FromSeconds(10);

    /// <summary>Plain mode prints at most about this many epoch lines (the table at the end has them all).</summary>
    private const int MaxPlainEpochLines = 50;

    public static TrainingResult Run(CliConsole console, ITrainer trainer, int totalEpochs, CancellationToken cancellationToken) =>
        console.Interactive
            ? Live(console, trainer, totalEpochs, cancellationToken)
            : Plain(console, trainer, totalEpochs, cancellationToken);

    private static TrainingResult Live(CliConsole console, ITrainer trainer, int totalEpochs, CancellationToken cancellationToken) =>
        console.Ansi.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 24 }, new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var run = context.AddTask($"{totalEpochs} epochs", maxValue: totalEpochs);
                var epoch = context.AddTask("epoch 1", maxValue: 1);
                void OnStep(StepReport step)
                {
                    epoch.MaxValue = step.StepsPerEpoch;
                    epoch.Value = step.StepInEpoch;
                    epoch.Description = Markup.Escape(
                        $"epoch {step.Epoch}/{totalEpochs} loss {step.Loss:F3} acc {step.Accuracy:P1} {step.SamplesPerSecond:N0}/s");
                }

                void OnEpoch(EpochReport report)
                {
                    run.Value = report.Epoch;
                    run.Description = Markup.Escape($"{report.Epoch}/{totalEpochs} epochs, test acc {report.TestAccuracy:P2}");
                }

                return RunObserved(trainer, OnStep, OnEpoch, cancellationToken);
            });

    private static TrainingResult Plain(CliConsole console, ITrainer trainer, int totalEpochs, CancellationToken cancellationToken)
    {
        var every = Math.Max(1, (int)Math.Ceiling(totalEpochs / (double)MaxPlainEpochLines));
        var sinceLine = Stopwatch.StartNew();
        void OnStep(StepReport step)
        {
            if (sinceLine.Elapsed >= PlainStepInterval && step.StepInEpoch < step.StepsPerEpoch)
            {
                console.Out.WriteLine($"  {StepText(step, totalEpochs)}, step {step.StepInEpoch}/{step.StepsPerEpoch}");
                sinceLine.Restart();
            }
        }

        void OnEpoch(EpochReport report)
        {
            if (report.Epoch % every == 0 || report.Epoch == totalEpochs || report.Epoch == 1)
            {
                console.Out.WriteLine(EpochText(report, totalEpochs));
                sinceLine.Restart();
            }
        }

        return RunObserved(trainer, OnStep, OnEpoch, cancellationToken);
    }

    // Runs the trainer with the view's handlers attached for exactly the run.
    private static TrainingResult RunObserved(ITrainer trainer, Action<StepReport> onStep, Action<EpochReport> onEpoch, CancellationToken cancellationToken)
    {
        trainer.StepCompleted += onStep;
        trainer.EpochCompleted += onEpoch;
        try
        {
            return trainer.Run(cancellationToken);
        }
        finally
        {
            trainer.StepCompleted -= onStep;
            trainer.EpochCompleted -= onEpoch;
        }
    }

    private static string StepText(StepReport step, int totalEpochs) =>
        $"epoch {step.Epoch}/{totalEpochs}  loss {step.Loss:F4}  acc {step.Accuracy:P2}  {step.SamplesPerSecond:N0} samples/s";

    internal static string EpochText(EpochReport report, int totalEpochs) =>
        $"epoch {report.Epoch}/{totalEpochs}  train loss {report.TrainLoss:F4} acc {report.TrainAccuracy:P2}  "
        + $"test loss {report.TestLoss:F4} acc {report.TestAccuracy:P2}  {report.Seconds:F1} s  {report.SamplesPerSecond:N0} samples/s";
}
