using System.Numerics.Tensors;
using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Kernels;
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

        if (rows == 0)
        {
            CheckTrainingCall(labels, rows, lossDivisor);
            gradient.Clear();
            return default;
        }

        Span<GradientResult> result = stackalloc GradientResult[1];
        var sink = new FloatGradientSink(this, gradient, rows);
        TrainingPass(parameters, inputs, labels, [rows], [dropoutSeed], lossDivisor, workspace, result, ref sink);
        return result[0];
    }

    /// <summary>
    /// The training pass over a group of shards at once: consecutive row runs of <paramref name="shardRows"/> rows
    /// (all positive, at most the workspace's rows in all), shard s with dropout seed <paramref name="dropoutSeeds"/>[s].
    /// Every row is computed exactly as a pass over its shard alone would compute it: the products' rows do not depend
    /// on how many rows a call has, dropout masks are drawn per shard, and loss and correct counts are summed per shard
    /// into <paramref name="results"/>. The gradients go to <paramref name="sink"/>, which cuts them by shard.
    /// </summary>
    internal void TrainingPass<TSink>(
        scoped ReadOnlySpan<float> parameters, scoped ReadOnlySpan<float> inputs, scoped ReadOnlySpan<byte> labels, scoped ReadOnlySpan<int> shardRows,
        scoped ReadOnlySpan<ulong> dropoutSeeds, float lossDivisor, NetworkWorkspace workspace, scoped Span<GradientResult> results, scoped ref TSink sink)
        where TSink : IGradientSink, allows ref struct
    {
        int rows = 0;
        foreach (int shard in shardRows)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shard, nameof(shardRows));
            rows += shard;
        }

        CheckCall(parameters, inputs, rows, workspace);
        CheckTrainingCall(labels, rows, lossDivisor);
        if (dropoutSeeds.Length < shardRows.Length || results.Length < shardRows.Length)
        {
            throw new ArgumentException($"{shardRows.Length} shards need as many dropout seeds and results.");
        }

        long mark = StepTimings.Start();
        if (Spec.Dropout > 0f)
        {
            DrawDropoutMasks(shardRows, dropoutSeeds, workspace);
            mark = StepTimings.Lap(StepPhase.Dropout, mark);
        }

        var logits = Forward(parameters, inputs, rows, workspace, training: true, ref mark, shardRows);
        var classes = Spec.OutputSize;
        Span<float> error = workspace.ErrorA;
        Span<float> spare = workspace.ErrorB;
        for (int s = 0, start = 0; s < shardRows.Length; start += shardRows[s], s++)
        {
            var shardLogits = logits.Slice(start * classes, shardRows[s] * classes);
            var shardLabels = labels.Slice(start, shardRows[s]);
            var shardError = error.Slice(start * classes, shardRows[s] * classes);
            int correct;
            var loss = Spec.Output == OutputLoss.SoftmaxCrossEntropy
                ? SoftmaxCrossEntropy.ForwardBackward(shardLogits, shardLabels, shardError, shardRows[s], classes, lossDivisor, out correct)
                : SigmoidSquaredError.ForwardBackward(shardLogits, shardLabels, shardError, shardRows[s], classes, lossDivisor, out correct);
            results[s] = new GradientResult(loss, correct);
        }

        mark = StepTimings.Lap(StepPhase.Loss, mark);
        for (var l = Spec.LayerCount - 1; l >= 0; l--)
        {
            var inputsWidth = Spec.LayerSizes[l];
            var outputsWidth = Spec.LayerSizes[l + 1];
            var x = l == 0 ? inputs : LayerOutput(workspace, l - 1);
            sink.Add(l, error[..(rows * outputsWidth)], x[..(rows * inputsWidth)], inputsWidth, outputsWidth, ref mark);
            if (l == 0)
            {
                break;
            }

            // dX = dY·W; the first layer's inputs need no gradient.
            var dx = spare[..(rows * inputsWidth)];
            Gemm.Multiply(error[..(rows * outputsWidth)], Weights(parameters, l), dx, rows, inputsWidth, outputsWidth);
            mark = StepTimings.Lap(StepPhase.Gemm, mark);
            if (Spec.Hidden == Activation.Relu)
            {
                // Dropout's mask and ReLU's derivative in one pass.
                var masks = Spec.Dropout > 0f ? workspace.Masks[l - 1].AsSpan(0, dx.Length) : default;
                BiasReluKernel.Backward(workspace.Activations[l - 1].AsSpan(0, dx.Length), masks, dx);
                mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
            }
            else
            {
                if (Spec.Dropout > 0f)
                {
                    DropoutKernel.Backward(workspace.Masks[l - 1].AsSpan(0, dx.Length), dx);
                    mark = StepTimings.Lap(StepPhase.Dropout, mark);
                }

                ActivationKernels.Backward(Spec.Hidden, workspace.Activations[l - 1].AsSpan(0, dx.Length), dx);
                mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
            }

            var swap = error;
            error = spare;
            spare = swap;
        }
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
        var logits = Forward(parameters, inputs, rows, workspace, training: false, ref noTiming);
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
    /// Runs every dense layer and hidden activation; returns the output logits. A training pass applies the dropout
    /// masks drawn by <see cref="DrawDropoutMasks"/>; an inference pass has no dropout. A training pass's rows are those
    /// of its shards, and each shard's rows run on the kernels a pass over that shard alone would take.
    /// <paramref name="mark"/> is the <see cref="StepTimings"/> mark (0: not timed).
    /// </summary>
    private ReadOnlySpan<float> Forward(
        ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, NetworkWorkspace workspace, bool training, ref long mark,
        ReadOnlySpan<int> shardRows = default)
    {
        bool dropout = training && Spec.Dropout > 0f;
        var x = inputs;
        var last = Spec.LayerCount - 1;
        for (var l = 0; l <= last; l++)
        {
            var outputsWidth = Spec.LayerSizes[l + 1];
            var count = rows * outputsWidth;
            var z = workspace.PreActivations[l].AsSpan(0, count);
            if (shardRows.IsEmpty)
            {
                Gemm.MultiplyTransposedB(x[..(rows * Spec.LayerSizes[l])], Weights(parameters, l), z, rows, outputsWidth, Spec.LayerSizes[l]);
            }
            else
            {
                // Each shard's rows on the kernel a pass over that shard alone would take: the same bits.
                Gemm.MultiplyTransposedBByBlocks(x[..(rows * Spec.LayerSizes[l])], Weights(parameters, l), z, outputsWidth, Spec.LayerSizes[l], shardRows);
            }

            mark = StepTimings.Lap(StepPhase.Gemm, mark);
            if (l < last && Spec.Hidden == Activation.Relu)
            {
                // Bias, ReLU and the dropout mask in one pass over the rows.
                var reluOut = workspace.Activations[l].AsSpan(0, count);
                var masks = dropout ? workspace.Masks[l].AsSpan(0, count) : default;
                var masked = dropout ? workspace.Dropped[l].AsSpan(0, count) : default;
                BiasReluKernel.Forward(z, Bias(parameters, l), reluOut, masks, masked, rows, outputsWidth);
                mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
                x = dropout ? masked : reluOut;
                continue;
            }

            BiasAdd.Apply(Bias(parameters, l), z, rows, outputsWidth);
            if (l == last)
            {
                mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
                return z;
            }

            var y = workspace.Activations[l].AsSpan(0, count);
            ActivationKernels.Forward(Spec.Hidden, z, y);
            mark = StepTimings.Lap(StepPhase.ActivationAndBias, mark);
            if (dropout)
            {
                var dropped = workspace.Dropped[l].AsSpan(0, count);
                TensorPrimitives.Multiply(y, workspace.Masks[l].AsSpan(0, count), dropped);
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

    /// <summary>
    /// Draws the dropout masks of every hidden layer of a group of shards: shard s's rows of layer l from
    /// <c>Rng.ForStream(dropoutSeeds[s], l)</c>, row-major, as a pass over that shard alone would draw them.
    /// </summary>
    private void DrawDropoutMasks(ReadOnlySpan<int> shardRows, ReadOnlySpan<ulong> dropoutSeeds, NetworkWorkspace workspace)
    {
        int hidden = Spec.LayerCount - 1, count = hidden * shardRows.Length;
        Span<MaskStream> streams = count <= 64 ? stackalloc MaskStream[count] : new MaskStream[count];
        for (int l = 0, k = 0; l < hidden; l++)
        {
            int width = Spec.LayerSizes[l + 1];
            for (int s = 0, start = 0; s < shardRows.Length; start += shardRows[s], s++)
                streams[k++] = new MaskStream(l, start * width, shardRows[s] * width, Rng.ForStream(dropoutSeeds[s], (ulong)l));
        }

        DropoutMasks.Fill(streams, Spec.Dropout, workspace.Masks);
    }

    /// <summary>The input the next layer saw during the last training forward pass.</summary>
    private ReadOnlySpan<float> LayerOutput(NetworkWorkspace workspace, int hidden)
        => Spec.Dropout > 0f ? workspace.Dropped[hidden] : workspace.Activations[hidden];

    private void CheckTrainingCall(ReadOnlySpan<byte> labels, int rows, float lossDivisor)
    {
        if (!(lossDivisor > 0f) || float.IsInfinity(lossDivisor))
        {
            throw new ArgumentOutOfRangeException(nameof(lossDivisor), lossDivisor, "The loss divisor must be positive and finite.");
        }

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
