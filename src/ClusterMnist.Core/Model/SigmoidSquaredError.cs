// Per-class sigmoid output with squared-error loss, as classic tutorials train MNIST.
// logits: rows×classes row-major; labels: rows; outputs and gradient: rows×classes.
// Loss of a row is ½Σ_j (σ_j − onehot_j)²; the gradient with respect to the logits is
// (σ − onehot)·σ·(1 − σ)/lossDivisor, fused in one pass over each row.
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class SigmoidSquaredError
{
    /// <summary>Writes σ(logits) into <paramref name="gradient"/>, then overwrites it with dLoss/dlogits / lossDivisor.</summary>
    public static double ForwardBackward(
        ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels, Span<float> gradient, int rows, int classes, float lossDivisor, out int correct)
    {
        var count = rows * classes;
        SigmoidKernel.Forward(logits[..count], gradient[..count]);
        double loss = 0;
        correct = 0;
        var inverse = 1f / lossDivisor;
        for (var r = 0; r < rows; r++)
        {
            var s = gradient.Slice(r * classes, classes);
            int label = labels[r];
            if (TensorPrimitives.IndexOfMax(s) == label)
            {
                correct++;
            }

            double rowLoss = 0;
            for (var j = 0; j < classes; j++)
            {
                var sigma = s[j];
                var error = sigma - (j == label ? 1f : 0f);
                rowLoss += (double)error * error;
                s[j] = error * sigma * (1f - sigma) * inverse;
            }

            loss += 0.5 * rowLoss;
        }

        return loss;
    }
}
