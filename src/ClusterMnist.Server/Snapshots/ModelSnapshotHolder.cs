using ClusterMnist.Core.Model;

namespace ClusterMnist.Server.Snapshots;

/// <summary>
/// The trainer's publication point: each <see cref="Publish(ParameterSnapshot)"/> swaps one reference, so readers
/// see either the previous model or the next, never a half-updated one. Thread-safe.
/// </summary>
public sealed class ModelSnapshotHolder : IModelSnapshotSource
{
    private ParameterSnapshot? _current;
    private long _lastVersion;

    /// <summary>Starts empty, or serving <paramref name="initial"/> (e.g. the checkpoint training resumes from).</summary>
    public ModelSnapshotHolder(ParameterSnapshot? initial = null)
    {
        if (initial is not null)
        {
            Publish(initial);
        }
    }

    /// <inheritdoc />
    public ParameterSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>Serves <paramref name="snapshot"/> from now on.</summary>
    public void Publish(ParameterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        InterlockedMax(ref _lastVersion, snapshot.Version);
        Volatile.Write(ref _current, snapshot);
    }

    /// <summary>
    /// Copies <paramref name="parameters"/> into a new snapshot with the next version number and serves it; returns it.
    /// The caller may change its buffer as soon as this returns.
    /// </summary>
    public ParameterSnapshot Publish(ModelSpec spec, ReadOnlySpan<float> parameters, long step, int epoch)
    {
        var snapshot = new ParameterSnapshot(spec, parameters, Interlocked.Increment(ref _lastVersion), step, epoch);
        Volatile.Write(ref _current, snapshot);
        return snapshot;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen = Volatile.Read(ref target);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
