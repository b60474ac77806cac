// The three matrix-multiply forms a dense layer needs, named by their role in training.
namespace ClusterMnist.Core.Kernels;

/// <summary>Which product a dense layer computes; (m, n, k) always name c: m×n and the summed dimension k.</summary>
public enum GemmForm
{
    /// <summary>Forward pass X·Wᵀ: <see cref="Gemm.MultiplyTransposedB"/>, X m×k, W n×k.</summary>
    Forward,

    /// <summary>Input gradient dY·W: <see cref="Gemm.Multiply"/>, dY m×k, W k×n.</summary>
    BackwardInput,

    /// <summary>Weight gradient dYᵀ·X: <see cref="Gemm.MultiplyTransposedA"/>, dY k×m, X k×n.</summary>
    BackwardWeights,
}
