using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Model;

// Forward and backward passes. Nothing here allocates: every buffer comes from the workspace or the caller.
public sealed partial class Network
{
    /// <summary>
    /// Forward and backward over <paramref name="rows"/> samples (inputs: rows×InputSize, values in [0, 1]).
    /// Overwrites every element of <paramref name="gradient"/> with d(Σ per-sample loss)/dθ ÷ <paramref name="lossDivisor"/>
    /// (the global batch size, so shard gradients add up to the batch mean). Dropout masks for hidden layer l are drawn
    /// row-major from <c>Rng.ForStream(dropoutSeed, l)</c>, so the result depends only on the arguments, never on the
    /// thread. Single-threaded and deterministic.
    /// </summary>
    /// <returns>The un-divided loss sum and the number of correct arg-max predictions.</returns>
    public GradientResult ComputeGradient(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<byte> labels,
        int rows, float lossDivisor, ulong dropoutSeed, Span<float> gradient, NetworkWorkspace workspace)
    {
        CheckCall(parameters, inputs, rows, workspace);
        if (gradient.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected a gradient of {ParameterCount} floats, got {gradient.Length}.", nameof(gradient));
        }

        if (!(lossDivisor > 0f) || float.IsInfinity(lossDivisor))
        {
            throw new ArgumentOutOfRangeException(nameof(lossDivisor), lossDivisor, "The loss divisor must be positive and finite.");
        }

        CheckLabels(labels, rows);
        if (rows == 0)
        {
            gradient.Clear();
            return default;
        }

        long mark = StepTimings.Start();
        var logits = Forward(parameters, inputs, rows, workspace, training: true, dropoutSeed, ref mark);
        var classes = Spec.OutputSize;
        Span<float> error = workspace.ErrorA;
        Span<float> spare = workspace.ErrorB;
        int correct;
        var loss = Spec.Output == OutputLoss.SoftmaxCrossEntropy
            ? SoftmaxCrossEntropy.ForwardBackward(logits, labels, error, rows, classes, lossDivisor, out correct)
            : SigmoidSquaredError.ForwardBackward(logits, labels, error, rows, classes, lossDivisor, out correct);
        mark = StepTimings.Lap(StepPhase.Loss, mark);

        for (var l = Spec.LayerCount - 1; l >= 0; l--)
        {
            var inputsWidth = Spec.LayerSizes[l];
            var outputsWidth = Spec.LayerSizes[l + 1];
            var x = l == 0 ? inputs : LayerOutput(workspace, l - 1);
            var dx = l == 0 ? [] : spare[..(rows * inputsWidth)];
            DenseLayer.Backward(
                Weights(parameters, l), x, error,
                gradient.Slice(_weightOffsets[l], inputsWidth * outputsWidth), gradient.Slice(_biasOffsets[l], outputsWidth),
                dx, rows, inputsWidth, outputsWidth, ref mark);
            if (l == 0)
            {
                break;
            }

            if (Spec.Dropout > 0f)
            {
                DropoutKernel.Backward(workspace.Masks[l - 1].AsSpan(0, dx.Length), dx);
                mark = StepTimings.Lap(StepPhase.Dropout, mark);
            }

            ActivationKernels.Backward(Spec.Hidden, workspace.Activations[l - 1].AsSpan(0, dx.Length), dx);
            mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
            var swap = error;
            error = spare;
            spare = swap;
        }

        return new GradientResult(loss, correct);
    }

    /// <summary>
    /// Inference without dropout. Writes rows×OutputSize values to <paramref name="outputs"/>: softmax probabilities,
    /// or per-class sigmoids for <see cref="OutputLoss.SigmoidSquaredError"/>.
    /// </summary>
    public void Predict(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, Span<float> outputs, NetworkWorkspace workspace)
    {
        CheckCall(parameters, inputs, rows, workspace);
        var count = rows * Spec.OutputSize;
        if (outputs.Length < count)
        {
            throw new ArgumentException($"{rows} rows need {count} output floats, got {outputs.Length}.", nameof(outputs));
        }

        if (rows == 0)
        {
            return;
        }

        long noTiming = 0;
        var logits = Forward(parameters, inputs, rows, workspace, training: false, dropoutSeed: 0, ref noTiming);
        if (Spec.Output == OutputLoss.SoftmaxCrossEntropy)
        {
            SoftmaxCrossEntropy.Softmax(logits, outputs, rows, Spec.OutputSize);
        }
        else
        {
            SigmoidKernel.Forward(logits, outputs[..count]);
        }
    }

    /// <summary>
    /// Runs every dense layer and hidden activation (with dropout when training); returns the output logits.
    /// <paramref name="mark"/> is the <see cref="StepTimings"/> mark (0: not timed).
    /// </summary>
    private ReadOnlySpan<float> Forward(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, NetworkWorkspace workspace, bool training, ulong dropoutSeed,
        ref long mark)
    {
        var x = inputs;
        var last = Spec.LayerCount - 1;
        for (var l = 0; l <= last; l++)
        {
            var outputsWidth = Spec.LayerSizes[l + 1];
            var count = rows * outputsWidth;
            var z = workspace.PreActivations[l].AsSpan(0, count);
            DenseLayer.Forward(Weights(parameters, l), Bias(parameters, l), x, z, rows, Spec.LayerSizes[l], outputsWidth, ref mark);
            if (l == last)
            {
                return z;
            }

            var y = workspace.Activations[l].AsSpan(0, count);
            ActivationKernels.Forward(Spec.Hidden, z, y);
            mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
            if (training && Spec.Dropout > 0f)
            {
                var rng = Rng.ForStream(dropoutSeed, (ulong)l);
                var dropped = workspace.Dropped[l].AsSpan(0, count);
                DropoutKernel.Forward(y, workspace.Masks[l].AsSpan(0, count), dropped, Spec.Dropout, ref rng);
                mark = StepTimings.Lap(StepPhase.Dropout, mark);
                x = dropped;
            }
            else
            {
                x = y;
            }
        }

        throw new InvalidOperationException("Unreachable: a spec always has an output layer.");
    }

    /// <summary>The input the next layer saw during the last training forward pass.</summary>
    private ReadOnlySpan<float> LayerOutput(NetworkWorkspace workspace, int hidden)
        => Spec.Dropout > 0f ? workspace.Dropped[hidden] : workspace.Activations[hidden];

    private void CheckLabels(ReadOnlySpan<byte> labels, int rows)
    {
        if (labels.Length < rows)
        {
            throw new ArgumentException($"{rows} rows need {rows} labels, got {labels.Length}.", nameof(labels));
        }

        for (var r = 0; r < rows; r++)
        {
            if (labels[r] >= Spec.OutputSize)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(labels), labels[r], $"Label at row {r} is not a class of a {Spec.OutputSize}-output model.");
            }
        }
    }
}
