namespace ClusterMnist.Core.Training;

/// <summary>
/// A training run a host can drive and watch without knowing how gradients are computed: LocalTrainer (threads)
/// and the cluster's InProcessCluster (actors) both implement it and end with the same parameters.
/// </summary>
public interface ITrainer
{
    /// <summary>Raised after every optimizer step, one at a time (not necessarily on the thread that called Run).</summary>
    event Action<StepReport>? StepCompleted;

    /// <summary>Raised after every epoch, once its checkpoint (if any) is written.</summary>
    event Action<EpochReport>? EpochCompleted;

    /// <summary>The options of the run (for a resumed run, those stored in the checkpoint).</summary>
    TrainingOptions Options { get; }

    /// <summary>Optimizer steps per epoch.</summary>
    int StepsPerEpoch { get; }

    /// <summary>Steps recomputed because a shard overflowed the reduction's exponent.</summary>
    int RedoCount { get; }

    /// <summary>Trains the remaining epochs and returns the final parameters and test evaluation.</summary>
    TrainingResult Run(CancellationToken cancellationToken = default);
}
