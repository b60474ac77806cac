namespace ClusterMnist.Core.Model;

/// <summary>
/// Takes a training pass's parameter gradients layer by layer, from the last layer to the first (see
/// <see cref="Network.ComputeGradient"/> and the shard-group pass of the trainers). A sink decides what the
/// gradient becomes: floats in a flat buffer, or per-shard quantized int32 sums.
/// </summary>
internal interface IGradientSink
{
    /// <summary>
    /// Layer <paramref name="layer"/>'s gradients: for each shard, dW = errorᵀ·inputs over the shard's rows and db = the
    /// column sums of its error rows. <paramref name="error"/>: rows×outputs (dL/dz, already divided by the loss
    /// divisor), <paramref name="inputs"/>: rows×inputs (what the layer saw). <paramref name="mark"/> is the
    /// <see cref="Diagnostics.StepTimings"/> mark to lap from.
    /// </summary>
    void Add(int layer, scoped ReadOnlySpan<float> error, scoped ReadOnlySpan<float> inputs, int inputsWidth, int outputsWidth, ref long mark);
}
