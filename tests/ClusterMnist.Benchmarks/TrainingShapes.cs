using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Benchmarks;

/// <summary>The GEMM shapes of the 784-256-128-10 network at a micro-shard of 32 rows and a batch of 256.</summary>
public static class TrainingShapes
{
    public static IReadOnlyList<(GemmForm Form, int M, int N, int K)> All { get; } = Build();

    private static List<(GemmForm Form, int M, int N, int K)> Build()
    {
        var shapes = new List<(GemmForm, int, int, int)>();
        int[] layers = [784, 256, 128, 10];
        foreach (int rows in new[] { 32, 256 })
        {
            for (int l = 0; l + 1 < layers.Length; l++)
            {
                int input = layers[l], output = layers[l + 1];
                shapes.Add((GemmForm.Forward, rows, output, input));          // Y = X·Wᵀ
                if (l > 0)
                {
                    shapes.Add((GemmForm.BackwardInput, rows, input, output)); // dX = dY·W
                }

                shapes.Add((GemmForm.BackwardWeights, output, input, rows));  // dW = dYᵀ·X
            }
        }

        return shapes;
    }
}
