namespace ClusterMnist.Core.Diagnostics;

/// <summary>The parts of a training step that <see cref="StepTimings"/> tells apart.</summary>
public enum StepPhase
{
    /// <summary>Copying a shard's images out of the training set and scaling them to [0, 1].</summary>
    Gather,

    /// <summary>Matrix products: forward X·Wᵀ, input gradients dY·W and weight gradients dYᵀ·X.</summary>
    Gemm,

    /// <summary>Bias adds, bias gradients (column sums), hidden activations and their derivatives.</summary>
    ActivationAndBias,

    /// <summary>Drawing dropout masks and applying them, forward and backward.</summary>
    Dropout,

    /// <summary>Softmax (or sigmoid) with its loss and the output error.</summary>
    Loss,

    /// <summary>Quantizing shard gradients and the exact int32 sums: a worker's partials, the coordinator's reduction and dequantization.</summary>
    Quantization,

    /// <summary>The optimizer's update of the parameters and the copy handed to the workers.</summary>
    Optimizer,
}
