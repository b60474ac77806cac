// A fully connected layer as a Forward/Backward pair over views of the flat parameter and gradient buffers.
// Shapes (row-major): X rows×in, W out×in, b out, Y rows×out.
// Forward  Y  = X·Wᵀ + b     (Gemm.MultiplyTransposedB, then BiasAdd)
// Backward dW = dYᵀ·X        (Gemm.MultiplyTransposedA, overwrites)
//          db = Σ_rows dY    (ColumnSum, overwrites)
//          dX = dY·W         (Gemm.Multiply), skipped when dX is empty (the first layer's inputs need no gradient)
// With timing on (StepTimings), each part is added to its phase and `mark` moves on.
using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Model;

internal static class DenseLayer
{
    public static void Forward(
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y, int rows, int inputs, int outputs, ref long mark)
    {
        Gemm.MultiplyTransposedB(x[..(rows * inputs)], weights, y[..(rows * outputs)], rows, outputs, inputs);
        mark = StepTimings.Lap(StepPhase.Gemm, mark);
        BiasAdd.Apply(bias, y, rows, outputs);
        mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
    }

    public static void Backward(
        ReadOnlySpan<float> weights, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        Span<float> dWeights, Span<float> dBias, Span<float> dx, int rows, int inputs, int outputs, ref long mark)
    {
        var dyRows = dy[..(rows * outputs)];
        Gemm.MultiplyTransposedA(dyRows, x[..(rows * inputs)], dWeights, outputs, inputs, rows);
        mark = StepTimings.Lap(StepPhase.Gemm, mark);
        ColumnSum.Compute(dyRows, dBias, rows, outputs);
        mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(dyRows, weights, dx[..(rows * inputs)], rows, inputs, outputs);
            mark = StepTimings.Lap(StepPhase.Gemm, mark);
        }
    }
}
