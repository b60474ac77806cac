using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Settings of a training run. <see cref="Workers"/> changes only speed: the final parameters are bitwise the
/// same for any worker count, because each batch is cut into fixed micro-shards of <see cref="MicroShardSize"/>
/// rows whose gradients are summed exactly.
/// </summary>
public sealed record TrainingOptions(ModelSpec Model, Initialization Init, OptimizerSpec Optimizer, LearningRateSchedule Schedule,
    int BatchSize, int Epochs, int Workers, ulong Seed, int MicroShardSize = 32)
{
    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Model);
        ArgumentNullException.ThrowIfNull(Optimizer);
        ArgumentNullException.ThrowIfNull(Schedule);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Workers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MicroShardSize);
        if (!Enum.IsDefined(Init))
            throw new ArgumentOutOfRangeException(nameof(Init), Init, "Unknown initialization.");
        Optimizer.Validate();
        Schedule.Validate();
    }
}
