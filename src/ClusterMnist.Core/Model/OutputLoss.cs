namespace ClusterMnist.Core.Model;

/// <summary>The output non-linearity and the cost it is trained with.</summary>
public enum OutputLoss
{
    /// <summary>Softmax probabilities with cross-entropy, −log p(label); written <c>softmax-ce</c>.</summary>
    SoftmaxCrossEntropy,

    /// <summary>Per-class sigmoids with squared error ½Σ(σ − onehot)², as classic tutorials do; written <c>sigmoid-mse</c>.</summary>
    SigmoidSquaredError,
}
