using System.Globalization;
using ClusterMnist.Core.Diagnostics;

namespace ClusterMnist.Cli.Reporting;

/// <summary>
/// Where a training step's wall time goes, in milliseconds per step, from the engine's own timers: each worker
/// phase is the time one worker thread spent in it (the workers' total over their count, as they run at once), the
/// coordinator's reduction and optimizer pass are added to the quantization and optimizer phases, and the rest of
/// the step is hand-offs: messages, waking threads, waiting for the slowest worker, bookkeeping.
/// </summary>
internal sealed record StepSplitLine(
    double Step,
    double Gemm,
    double ActivationAndBias,
    double Loss,
    double Dropout,
    double Quantization,
    double Optimizer,
    double Gather,
    double HandOffs)
{
    /// <summary>The split of a round of <paramref name="steps"/> steps of <paramref name="stepMs"/> each, with <paramref name="workers"/> worker threads.</summary>
    public static StepSplitLine From(StepTimeTotals totals, double stepMs, int steps, int workers)
    {
        double Ms(StepPhase phase) => ((totals.Worker(phase) / workers) + totals.Coordinator(phase)) * 1000 / steps;
        double gemm = Ms(StepPhase.Gemm), activation = Ms(StepPhase.ActivationAndBias), loss = Ms(StepPhase.Loss), dropout = Ms(StepPhase.Dropout);
        double quantization = Ms(StepPhase.Quantization), optimizer = Ms(StepPhase.Optimizer), gather = Ms(StepPhase.Gather);
        double handOffs = stepMs - (gemm + activation + loss + dropout + quantization + optimizer + gather);
        return new StepSplitLine(stepMs, gemm, activation, loss, dropout, quantization, optimizer, gather, handOffs);
    }

    /// <summary>The median of every field over <paramref name="rounds"/>, rounded to microseconds.</summary>
    public static StepSplitLine Median(IReadOnlyList<StepSplitLine> rounds)
    {
        double M(Func<StepSplitLine, double> field) => Math.Round(Statistics.Median(rounds.Select(field)), 3);
        return new StepSplitLine(M(r => r.Step), M(r => r.Gemm), M(r => r.ActivationAndBias), M(r => r.Loss), M(r => r.Dropout),
            M(r => r.Quantization), M(r => r.Optimizer), M(r => r.Gather), M(r => r.HandOffs));
    }

    /// <summary>One line: the step and each part in ms and as a share of the step.</summary>
    public string Describe()
    {
        string Part(string name, double ms) => string.Create(CultureInfo.InvariantCulture, $"{name} {ms:F3} ({ms / Step:P0})");
        return string.Create(CultureInfo.InvariantCulture, $"step {Step:F3} ms: ")
            + string.Join(", ", Part("GEMM", Gemm), Part("activations+bias", ActivationAndBias), Part("loss", Loss), Part("dropout", Dropout),
                Part("quantization+exact sums", Quantization), Part("optimizer", Optimizer), Part("gather", Gather), Part("hand-offs", HandOffs));
    }
}
