using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Cli.Commands;

/// <summary>One matrix product of training: which layer, which form, and its m, n, k as the Gemm methods take them.</summary>
internal readonly record struct GemmBenchmarkShape(int Batch, string Layer, GemmForm Form, int M, int N, int K);

/// <summary>The matrix products one training step of an MLP performs, per layer.</summary>
internal static class GemmBenchmarkShapes
{
    /// <summary>
    /// Forward X·Wᵀ (m = batch, n = out, k = in), input gradient dY·W (m = batch, n = in, k = out; not needed for
    /// the first layer, whose input is the image), weight gradient dYᵀ·X (m = out, n = in, k = batch).
    /// </summary>
    public static IEnumerable<GemmBenchmarkShape> For(IReadOnlyList<int> layerSizes, int batch)
    {
        for (var layer = 0; layer + 1 < layerSizes.Count; layer++)
        {
            var inputs = layerSizes[layer];
            var outputs = layerSizes[layer + 1];
            var name = $"{inputs}->{outputs}";
            yield return new(batch, name, GemmForm.Forward, batch, outputs, inputs);
            if (layer > 0)
            {
                yield return new(batch, name, GemmForm.BackwardInput, batch, inputs, outputs);
            }

            yield return new(batch, name, GemmForm.BackwardWeights, outputs, inputs, batch);
        }
    }
}
