using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Evaluation;

/// <summary>Scores a model on labelled data with <see cref="Network.Predict"/> (no dropout), in batches.</summary>
public static partial class Evaluator
{
    /// <summary>
    /// Evaluates on samples already scaled to floats: <paramref name="inputs"/> is count×InputSize, one label per sample.
    /// </summary>
    public static EvaluationResult Evaluate(
        Network network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<byte> labels, int batchRows = 512)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchRows);
        var width = network.Spec.InputSize;
        if ((long)labels.Length * width != inputs.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {(long)labels.Length * width} input floats, got {inputs.Length}.", nameof(inputs));
        }

        var rowsPerBatch = Math.Min(batchRows, Math.Max(labels.Length, 1));
        var workspace = network.CreateWorkspace(rowsPerBatch);
        var outputs = new float[rowsPerBatch * network.Spec.OutputSize];
        var scorer = new BatchScorer(network.Spec);
        for (var start = 0; start < labels.Length; start += rowsPerBatch)
        {
            var rows = Math.Min(rowsPerBatch, labels.Length - start);
            network.Predict(parameters, inputs.Slice(start * width, rows * width), rows, outputs, workspace);
            scorer.Add(outputs, labels.Slice(start, rows), rows);
        }

        return scorer.Result();
    }
}
