using ClusterMnist.Core.Evaluation;

namespace ClusterMnist.Core.Training;

/// <summary>
/// The outcome of a run: final parameters, per-epoch history, final test evaluation, training time and throughput
/// (evaluation excluded), and the SHA-256 of the parameters (<see cref="ParameterHash.Sha256"/>).
/// </summary>
public sealed record TrainingResult(float[] Parameters, IReadOnlyList<EpochReport> Epochs, EvaluationResult Test,
    double TrainSeconds, double SamplesPerSecond, string ParameterSha256);
