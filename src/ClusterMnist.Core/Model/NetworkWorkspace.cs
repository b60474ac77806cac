namespace ClusterMnist.Core.Model;

/// <summary>
/// Per-thread scratch for one <see cref="Network"/>: pre-activations, activations, dropout masks and
/// back-propagated errors for up to <see cref="MaxRows"/> samples. Allocated once so that forward and
/// backward passes allocate nothing. Not thread-safe: give each thread its own.
/// </summary>
public sealed class NetworkWorkspace
{
    internal NetworkWorkspace(ModelSpec spec, int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        Spec = spec;
        MaxRows = maxRows;
        var layers = spec.LayerCount;
        PreActivations = new float[layers][];
        Activations = new float[layers - 1][];
        Masks = new float[layers - 1][];
        Dropped = new float[layers - 1][];
        var widest = 0;
        for (var l = 0; l < layers; l++)
        {
            var width = spec.LayerSizes[l + 1];
            widest = Math.Max(widest, width);
            PreActivations[l] = new float[checked(maxRows * width)];
            if (l < layers - 1)
            {
                Activations[l] = new float[maxRows * width];
                Masks[l] = spec.Dropout > 0f ? new float[maxRows * width] : [];
                Dropped[l] = spec.Dropout > 0f ? new float[maxRows * width] : [];
            }
        }

        ErrorA = new float[checked(maxRows * widest)];
        ErrorB = new float[maxRows * widest];
    }

    /// <summary>The largest number of rows one call may process.</summary>
    public int MaxRows { get; }

    internal ModelSpec Spec { get; }

    /// <summary>z = X·Wᵀ + b for each layer.</summary>
    internal float[][] PreActivations { get; }

    /// <summary>f(z) for each hidden layer, before dropout.</summary>
    internal float[][] Activations { get; }

    /// <summary>Dropout masks (0 or 1/(1 − rate)) for each hidden layer of the last <see cref="Network.ComputeGradient"/>.</summary>
    internal float[][] Masks { get; }

    /// <summary>f(z)·mask: the next layer's input when dropout is on.</summary>
    internal float[][] Dropped { get; }

    /// <summary>Two ping-pong buffers for dL/dz as it travels back through the layers.</summary>
    internal float[] ErrorA { get; }

    internal float[] ErrorB { get; }
}
