// Bias add: y[r, j] += b[j] for every row r. y: rows×width row-major, b: width.
// Each row is one TensorPrimitives.Add, which is vectorised and handles the tail itself.
using System.Numerics.Tensors;

namespace ClusterMnist.Core.Model;

internal static class BiasAdd
{
    public static void Apply(ReadOnlySpan<float> bias, Span<float> y, int rows, int width)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = y.Slice(r * width, width);
            TensorPrimitives.Add(row, bias, row);
        }
    }
}
