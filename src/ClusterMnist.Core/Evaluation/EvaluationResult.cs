namespace ClusterMnist.Core.Evaluation;

/// <summary>How a model did on a labelled set.</summary>
/// <param name="Loss">Mean per-sample loss under the model's own output loss.</param>
/// <param name="Accuracy">Fraction of samples whose arg-max prediction equals the label.</param>
/// <param name="Confusion">Counts of (actual, predicted) pairs.</param>
public sealed record EvaluationResult(double Loss, double Accuracy, ConfusionMatrix Confusion);
