using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Core.Model;

/// <summary>Writes one shard's gradients as floats into a flat gradient buffer laid out as the network's parameters.</summary>
internal readonly ref struct FloatGradientSink(Network network, Span<float> gradient, int rows) : IGradientSink
{
    private readonly Span<float> _gradient = gradient;

    public void Add(int layer, scoped ReadOnlySpan<float> error, scoped ReadOnlySpan<float> inputs, int inputsWidth, int outputsWidth, ref long mark)
    {
        var errorRows = error[..(rows * outputsWidth)];
        Gemm.MultiplyTransposedA(errorRows, inputs[..(rows * inputsWidth)], _gradient.Slice(network.WeightOffset(layer), inputsWidth * outputsWidth),
            outputsWidth, inputsWidth, rows);
        mark = StepTimings.Lap(StepPhase.Gemm, mark);
        ColumnSum.Compute(errorRows, _gradient.Slice(network.BiasOffset(layer), outputsWidth), rows, outputsWidth);
        mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
    }
}
