using ClusterMnist.Core.Model;

namespace ClusterMnist.Server.Snapshots;

/// <summary>
/// One published model: its architecture, a private copy of its parameters and where training was when they were
/// taken. Immutable, so a request that read a snapshot predicts with exactly one model even while training publishes
/// the next.
/// </summary>
public sealed class ParameterSnapshot
{
    private readonly float[] _parameters;

    /// <summary>Copies <paramref name="parameters"/> so later changes by the trainer cannot reach a published model.</summary>
    /// <exception cref="ArgumentException">The parameter count does not match <paramref name="spec"/>.</exception>
    public ParameterSnapshot(ModelSpec spec, ReadOnlySpan<float> parameters, long version, long step, int epoch)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Network = new Network(spec);
        if (parameters.Length != Network.ParameterCount)
        {
            throw new ArgumentException(
                $"Model {spec} has {Network.ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        }

        _parameters = parameters.ToArray();
        Version = version;
        Step = step;
        Epoch = epoch;
    }

    /// <summary>The architecture.</summary>
    public ModelSpec Spec => Network.Spec;

    /// <summary>The network that runs this snapshot (stateless; workspaces are per thread).</summary>
    public Network Network { get; }

    /// <summary>The parameters, read-only: they are never changed after publication.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>Increases with every publication, so clients can tell which model answered.</summary>
    public long Version { get; }

    /// <summary>Optimizer steps done when the parameters were taken.</summary>
    public long Step { get; }

    /// <summary>Epochs completed when the parameters were taken.</summary>
    public int Epoch { get; }
}
