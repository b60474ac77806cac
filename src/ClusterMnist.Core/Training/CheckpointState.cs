using ClusterMnist.Core.Optim;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Everything needed to continue a run bit-for-bit: the run's settings, the data fingerprint, the parameters,
/// optimizer state and reduction exponents, and the position (the next step to run is step
/// <see cref="StepInEpoch"/> of epoch <see cref="Epoch"/>, both 0-based; global step <see cref="GlobalStep"/> steps are done).
/// </summary>
public sealed record CheckpointState
{
    /// <summary>Canonical model spec string (ModelSpec.ToString()).</summary>
    public required string Model { get; init; }

    /// <summary>Initialization name (Initialization.ToString()).</summary>
    public required string Init { get; init; }

    /// <summary>The optimizer and its hyper-parameters.</summary>
    public required OptimizerSpec Optimizer { get; init; }

    /// <summary>The learning-rate schedule.</summary>
    public required LearningRateSchedule Schedule { get; init; }

    /// <summary>Rows per minibatch.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Epochs of the whole run.</summary>
    public required int Epochs { get; init; }

    /// <summary>Rows per micro-shard.</summary>
    public required int MicroShardSize { get; init; }

    /// <summary>The run's seed.</summary>
    public required ulong Seed { get; init; }

    /// <summary>Mid-epoch checkpoint interval in steps (0 = only at epoch ends).</summary>
    public required int CheckpointEverySteps { get; init; }

    /// <summary>ImageSet.Fingerprint of the training set.</summary>
    public required string TrainFingerprint { get; init; }

    /// <summary>
    /// The data set the run trained on, as DataSplit.Name gives it ("mnist", "fashion", "digits-split"), so a reader
    /// can pick the matching data without being told; null in format-1 files, which did not record it.
    /// </summary>
    public string? Dataset { get; init; }

    /// <summary>The flat parameter vector.</summary>
    public required float[] Parameters { get; init; }

    /// <summary>The optimizer's flat state.</summary>
    public required float[] OptimizerState { get; init; }

    /// <summary>Per-segment reduction exponents for the next step.</summary>
    public required int[] Exponents { get; init; }

    /// <summary>Optimizer steps completed.</summary>
    public required long GlobalStep { get; init; }

    /// <summary>0-based epoch in progress (equals Epochs when the run is complete).</summary>
    public required int Epoch { get; init; }

    /// <summary>Steps already completed in <see cref="Epoch"/>.</summary>
    public required int StepInEpoch { get; init; }

    /// <summary>State of the epoch's shuffle generator after shuffling (S0..S3), checked on resume.</summary>
    public required ulong[] RngState { get; init; }

    /// <summary>Sum of per-sample training losses so far in the epoch in progress.</summary>
    public required double EpochLossSum { get; init; }

    /// <summary>Correct training predictions so far in the epoch in progress.</summary>
    public required long EpochCorrect { get; init; }

    /// <summary>Training samples so far in the epoch in progress.</summary>
    public required long EpochSamples { get; init; }

    /// <summary>Training seconds so far in the epoch in progress.</summary>
    public required double EpochSeconds { get; init; }

    /// <summary>Reports of the completed epochs.</summary>
    public required IReadOnlyList<EpochReport> History { get; init; }
}
