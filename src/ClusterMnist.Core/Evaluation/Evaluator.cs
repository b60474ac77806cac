using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Evaluation;

// The ImageSet entry point: gathers one batch of images at a time (bytes scaled to [0, 1] on the fly),
// so evaluating 60,000 images needs only batchRows×784 floats of scratch.
public static partial class Evaluator
{
    /// <summary>Evaluates every image of <paramref name="set"/> in batches of <paramref name="batchRows"/>.</summary>
    /// <exception cref="ArgumentException">The images do not have the model's input size.</exception>
    public static EvaluationResult Evaluate(Network network, ReadOnlySpan<float> parameters, ImageSet set, int batchRows = 512)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchRows);
        var width = network.Spec.InputSize;
        if (set.PixelsPerImage != width)
        {
            throw new ArgumentException(
                $"{set.Source} has {set.Rows}×{set.Columns} = {set.PixelsPerImage} pixels per image, but model {network.Spec} expects {width} inputs.",
                nameof(set));
        }

        var rowsPerBatch = Math.Min(batchRows, Math.Max(set.Count, 1));
        var workspace = network.CreateWorkspace(rowsPerBatch);
        var indices = new int[rowsPerBatch];
        var inputs = new float[rowsPerBatch * width];
        var labels = new byte[rowsPerBatch];
        var outputs = new float[rowsPerBatch * network.Spec.OutputSize];
        var scorer = new BatchScorer(network.Spec);
        for (var start = 0; start < set.Count; start += rowsPerBatch)
        {
            var rows = Math.Min(rowsPerBatch, set.Count - start);
            for (var r = 0; r < rows; r++)
            {
                indices[r] = start + r;
            }

            set.Gather(indices.AsSpan(0, rows), inputs.AsSpan(0, rows * width), labels.AsSpan(0, rows));
            network.Predict(parameters, inputs, rows, outputs, workspace);
            scorer.Add(outputs, labels, rows);
        }

        return scorer.Result();
    }
}
