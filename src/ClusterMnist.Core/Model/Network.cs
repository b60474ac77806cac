namespace ClusterMnist.Core.Model;

/// <summary>
/// A fully connected network described by a <see cref="ModelSpec"/>. It owns no parameters: callers hold one
/// flat float buffer laid out as <see cref="Segments"/> (W1, b1, W2, b2, …) and one gradient buffer of the same
/// layout, so a whole model's gradient is one span to send, sum and average. Immutable and thread-safe; the
/// mutable scratch lives in a <see cref="NetworkWorkspace"/> per thread.
/// </summary>
public sealed partial class Network
{
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;

    /// <summary>Creates the network for <paramref name="spec"/> and computes its parameter layout.</summary>
    public Network(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        var layers = spec.LayerCount;
        _weightOffsets = new int[layers];
        _biasOffsets = new int[layers];
        var segments = new ParameterSegment[2 * layers];
        var offset = 0;
        for (var l = 0; l < layers; l++)
        {
            var inputs = spec.LayerSizes[l];
            var outputs = spec.LayerSizes[l + 1];
            _weightOffsets[l] = offset;
            segments[2 * l] = new ParameterSegment($"W{l + 1}", offset, inputs * outputs);
            offset += inputs * outputs;
            _biasOffsets[l] = offset;
            segments[(2 * l) + 1] = new ParameterSegment($"b{l + 1}", offset, outputs);
            offset += outputs;
        }

        Segments = segments;
        ParameterCount = offset;
    }

    /// <summary>The architecture.</summary>
    public ModelSpec Spec { get; }

    /// <summary>Length of the parameter and gradient buffers.</summary>
    public int ParameterCount { get; }

    /// <summary>Where each weight matrix and bias vector lives in the flat buffer, in order W1, b1, W2, b2, ….</summary>
    public IReadOnlyList<ParameterSegment> Segments { get; }

    /// <summary>Scratch space for passes over up to <paramref name="maxRows"/> samples; one per thread.</summary>
    public NetworkWorkspace CreateWorkspace(int maxRows) => new(Spec, maxRows);

    /// <summary>Where layer <paramref name="layer"/>'s weight matrix starts in the flat buffer.</summary>
    internal int WeightOffset(int layer) => _weightOffsets[layer];

    /// <summary>Where layer <paramref name="layer"/>'s bias vector starts in the flat buffer.</summary>
    internal int BiasOffset(int layer) => _biasOffsets[layer];

    private ReadOnlySpan<float> Weights(ReadOnlySpan<float> parameters, int layer)
        => parameters.Slice(_weightOffsets[layer], Spec.LayerSizes[layer] * Spec.LayerSizes[layer + 1]);

    private ReadOnlySpan<float> Bias(ReadOnlySpan<float> parameters, int layer)
        => parameters.Slice(_biasOffsets[layer], Spec.LayerSizes[layer + 1]);

    private void CheckCall(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int rows, NetworkWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (!workspace.Spec.Equals(Spec))
        {
            throw new ArgumentException($"The workspace was created for {workspace.Spec}, not {Spec}.", nameof(workspace));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (rows > workspace.MaxRows)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"The workspace holds at most {workspace.MaxRows} rows.");
        }

        if (parameters.Length != ParameterCount)
        {
            throw new ArgumentException($"Expected {ParameterCount} parameters for {Spec}, got {parameters.Length}.", nameof(parameters));
        }

        if (inputs.Length < (long)rows * Spec.InputSize)
        {
            throw new ArgumentException($"{rows} rows need {rows * Spec.InputSize} input floats, got {inputs.Length}.", nameof(inputs));
        }
    }
}
