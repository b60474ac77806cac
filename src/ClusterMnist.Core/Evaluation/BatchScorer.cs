using System.Numerics.Tensors;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Evaluation;

/// <summary>
/// Accumulates loss and the confusion matrix from <see cref="Network.Predict"/> outputs, batch by batch.
/// The per-sample loss matches training: −log(max(p_label, tiny)) for softmax-ce, ½Σ(σ − onehot)² for sigmoid-mse.
/// </summary>
internal sealed class BatchScorer
{
    private readonly OutputLoss _loss;
    private readonly int _classes;
    private double _lossSum;

    public BatchScorer(ModelSpec spec)
    {
        _loss = spec.Output;
        _classes = spec.OutputSize;
        Confusion = new ConfusionMatrix(_classes);
    }

    public ConfusionMatrix Confusion { get; }

    public void Add(ReadOnlySpan<float> outputs, ReadOnlySpan<byte> labels, int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = outputs.Slice(r * _classes, _classes);
            int label = labels[r];
            Confusion.Add(label, TensorPrimitives.IndexOfMax(row));
            if (_loss == OutputLoss.SoftmaxCrossEntropy)
            {
                _lossSum -= Math.Log(MathF.Max(row[label], SoftmaxCrossEntropy.Tiny));
            }
            else
            {
                double sum = 0;
                for (var j = 0; j < _classes; j++)
                {
                    double error = row[j] - (j == label ? 1f : 0f);
                    sum += error * error;
                }

                _lossSum += 0.5 * sum;
            }
        }
    }

    public EvaluationResult Result()
        => new(Confusion.Total == 0 ? 0 : _lossSum / Confusion.Total, Confusion.Accuracy, Confusion);
}
