using ClusterMnist.Core.Model;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Hosting;

/// <summary>
/// Adapts the coordinator's per-step parameter events to the prediction endpoint's <see cref="ModelSnapshotHolder"/>:
/// a step's parameters are published (as an immutable copy) unless the previous publication is younger than the
/// interval, and <see cref="PublishFinal"/> always publishes. Called on the coordinator's loop, so it stays cheap.
/// </summary>
internal sealed class ThrottledParameterPublisher(
    ModelSnapshotHolder holder, ModelSpec spec, int stepsPerEpoch, TimeSpan interval, TimeProvider time)
{
    private long _lastPublished = long.MinValue;

    /// <summary>Publications done so far (skipped steps not counted).</summary>
    public long Publications { get; private set; }

    /// <summary>Publishes <paramref name="parameters"/> of <paramref name="step"/> unless the last publication is too recent.</summary>
    public void OnStep(long step, ReadOnlySpan<float> parameters)
    {
        long now = time.GetTimestamp();
        if (_lastPublished != long.MinValue && time.GetElapsedTime(_lastPublished, now) < interval)
        {
            return;
        }

        Publish(step, parameters);
        _lastPublished = now;
    }

    /// <summary>Publishes the run's final parameters, however recent the last publication.</summary>
    public void PublishFinal(long step, ReadOnlySpan<float> parameters) => Publish(step, parameters);

    private void Publish(long step, ReadOnlySpan<float> parameters)
    {
        // The snapshot's epoch counts finished epochs, as a checkpoint's does.
        int epochsDone = stepsPerEpoch > 0 ? (int)(step / stepsPerEpoch) : 0;
        holder.Publish(spec, parameters, step, epochsDone);
        Publications++;
    }
}
