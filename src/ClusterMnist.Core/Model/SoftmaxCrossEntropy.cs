// Softmax output with cross-entropy loss, forward and backward fused.
// logits: rows×classes row-major; labels: rows; probabilities and gradient: rows×classes.
// Softmax subtracts the row maximum before exp so large logits cannot overflow. The loss of a row is
// −log(max(p_label, tiny)) so a confidently wrong row costs about 87 instead of infinity. The gradient
// with respect to the logits is the fused (p − onehot)/lossDivisor, which is exact and avoids dividing by p.
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class SoftmaxCrossEntropy
{
    /// <summary>Smallest probability the loss looks at: the smallest normal float.</summary>
    public const float Tiny = 1.17549435e-38f;

    /// <summary>Row-wise softmax, max-subtracted. <paramref name="probabilities"/> may alias <paramref name="logits"/>.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities, int rows, int classes)
    {
        for (var r = 0; r < rows; r++)
        {
            var z = logits.Slice(r * classes, classes);
            var p = probabilities.Slice(r * classes, classes);
            var max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
        }
    }

    /// <summary>
    /// Writes the softmax into <paramref name="gradient"/> and then turns it into (p − onehot)/lossDivisor.
    /// Returns the summed loss; <paramref name="correct"/> counts rows whose arg-max equals the label.
    /// </summary>
    public static double ForwardBackward(
        ReadOnlySpan<float> logits, ReadOnlySpan<byte> labels, Span<float> gradient, int rows, int classes, float lossDivisor, out int correct)
    {
        Softmax(logits, gradient, rows, classes);
        double loss = 0;
        correct = 0;
        var inverse = 1f / lossDivisor;
        for (var r = 0; r < rows; r++)
        {
            var p = gradient.Slice(r * classes, classes);
            int label = labels[r];
            loss -= Math.Log(MathF.Max(p[label], Tiny));
            if (TensorPrimitives.IndexOfMax(p) == label)
            {
                correct++;
            }

            p[label] -= 1f;
            TensorPrimitives.Multiply(p, inverse, p);
        }

        return loss;
    }
}
