using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Core.Training;

// Capturing the run into a CheckpointState and continuing from one.
public sealed partial class LocalTrainer
{
    /// <summary>
    /// Continues the run saved in <paramref name="checkpointPath"/> with <paramref name="workers"/> threads; it ends with
    /// the same parameters as the uninterrupted run. Further checkpoints are written to the same path.
    /// </summary>
    /// <exception cref="CheckpointException">The file is unreadable, or does not match <paramref name="data"/>.</exception>
    public static LocalTrainer Resume(string checkpointPath, DataSplit data, int workers)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var state = Checkpoint.Read(checkpointPath);
        return new LocalTrainer(TrainingRun.FromCheckpoint(state, data, workers, checkpointPath))
        {
            CheckpointPath = checkpointPath,
            CheckpointEverySteps = state.CheckpointEverySteps,
        };
    }

    /// <summary>
    /// Throws a <see cref="CheckpointException"/> when <paramref name="state"/> was written by a run with other
    /// settings than <paramref name="options"/> (the worker count may differ).
    /// </summary>
    public static void EnsureMatches(CheckpointState state, TrainingOptions options, string checkpointPath)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        void Check(bool same, string what, object stored, object requested)
        {
            if (!same)
                throw new CheckpointException(checkpointPath, $"{what} differs: checkpoint has {stored}, requested {requested}.");
        }
        Check(state.Model == options.Model.ToString(), "model", state.Model, options.Model);
        Check(state.Init == options.Init.ToString(), "initialization", state.Init, options.Init);
        Check(state.Optimizer == options.Optimizer, "optimizer", state.Optimizer, options.Optimizer);
        Check(state.Schedule == options.Schedule, "learning-rate schedule", state.Schedule, options.Schedule);
        Check(state.BatchSize == options.BatchSize, "batch size", state.BatchSize, options.BatchSize);
        Check(state.Epochs == options.Epochs, "epochs", state.Epochs, options.Epochs);
        Check(state.MicroShardSize == options.MicroShardSize, "micro-shard size", state.MicroShardSize, options.MicroShardSize);
        Check(state.Seed == options.Seed, "seed", state.Seed, options.Seed);
    }
}
