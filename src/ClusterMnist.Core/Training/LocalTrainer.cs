using System.Diagnostics;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Evaluation;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Data-parallel training on local threads. Each epoch shuffles the training set with Rng.ForStream(seed, epoch),
/// cuts it into batches of BatchSize (the last may be smaller) and each batch into micro-shards; worker threads
/// compute shard gradients and the coordinating thread sums them exactly (<see cref="ExactGradientSum"/>), so the
/// final parameters are bitwise identical for any number of workers, and a resumed run ends where an
/// uninterrupted one would. The deterministic state lives in <see cref="TrainingRun"/>, which the cluster
/// coordinator drives the same way.
/// </summary>
public sealed partial class LocalTrainer : ITrainer
{
    private readonly TrainingRun _run;
    private readonly float[] _parameters;
    private readonly int[] _stepExponents;
    private readonly double[] _shardLoss;
    private readonly int[] _shardCorrect;

    /// <summary>Prepares a run: validates the options and initializes the parameters from the seed.</summary>
    public LocalTrainer(TrainingOptions options, DataSplit data)
        : this(new TrainingRun(options, data))
    {
    }

    private LocalTrainer(TrainingRun run)
    {
        _run = run;
        _parameters = new float[run.Network.ParameterCount];
        _stepExponents = new int[run.Layout.SegmentCount];
        _shardLoss = new double[run.Layout.ShardsPerBatch];
        _shardCorrect = new int[run.Layout.ShardsPerBatch];
    }

    /// <summary>Raised on the coordinating thread after every optimizer step.</summary>
    public event Action<StepReport>? StepCompleted;

    /// <summary>Raised after every epoch, once its checkpoint (if any) is written.</summary>
    public event Action<EpochReport>? EpochCompleted;

    /// <summary>Where to write checkpoints (atomically, at each epoch end and so at the end); null for none.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Also checkpoint every this many global steps inside an epoch (0 = only at epoch ends).</summary>
    public int CheckpointEverySteps { get; init; }

    /// <summary>The options of this run (for a resumed run, those stored in the checkpoint).</summary>
    public TrainingOptions Options => _run.Options;

    /// <summary>Optimizer steps per epoch, ⌈train count / BatchSize⌉.</summary>
    public int StepsPerEpoch => _run.StepsPerEpoch;

    /// <summary>Steps per epoch for <paramref name="trainCount"/> samples, e.g. to size a cosine schedule's TotalSteps.</summary>
    public static int StepsPerEpochFor(int trainCount, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return (int)(((long)trainCount + batchSize - 1) / batchSize);
    }

    /// <summary>Steps that had to be recomputed because a shard overflowed the reduction's exponent (diagnostics).</summary>
    public int RedoCount => _run.RedoCount;

    /// <summary>Trains the remaining epochs and returns the final parameters and test evaluation.</summary>
    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        var options = _run.Options;
        EvaluationResult? test = null;
        using (var pool = new ShardWorkerPool(_run.Network, _run.Data.Train, _run.Layout, options.Workers, options.MicroShardSize, options.Seed))
        {
            // The workers' copy of the parameters; every applied step rewrites it in the optimizer's own pass.
            _run.Parameters.CopyTo(_parameters);
            while (!_run.IsComplete)
            {
                var clock = Stopwatch.StartNew();
                while (!_run.IsEpochFinished)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    TrainStep(pool);
                    double seconds = _run.EpochSecondsBefore + clock.Elapsed.TotalSeconds;
                    // Written before StepCompleted so a handler sees the checkpoint of the step it is told about.
                    if (CheckpointPath is not null && CheckpointEverySteps > 0 && _run.GlobalStep % CheckpointEverySteps == 0 && !_run.IsEpochFinished)
                        Checkpoint.Write(CheckpointPath, _run.Capture(CheckpointEverySteps, seconds));
                    if (StepCompleted is { } onStep)
                    {
                        var (loss, accuracy, samples) = _run.EpochSoFar;
                        onStep(new StepReport(_run.Epoch + 1, _run.GlobalStep, _run.StepInEpoch, _run.StepsPerEpoch,
                            loss, accuracy, samples / Math.Max(seconds, 1e-9)));
                    }
                }
                var (report, epochTest) = _run.FinishEpoch(_run.EpochSecondsBefore + clock.Elapsed.TotalSeconds);
                test = epochTest;
                if (CheckpointPath is not null)
                    Checkpoint.Write(CheckpointPath, _run.Capture(CheckpointEverySteps, 0));
                EpochCompleted?.Invoke(report);
            }
        }
        return _run.Result(test);
    }

    // One optimizer step: compute and reduce the batch's shards (redoing with larger exponents on overflow), then update.
    private void TrainStep(ShardWorkerPool pool)
    {
        var plan = _run.NextPlan;
        do
        {
            _run.Exponents.CopyTo(_stepExponents);
            pool.ComputeStep(_run.Order, _run.NextBatchStart, plan, _run.NextStep, _stepExponents, _parameters);
            // The partials' sums are added in ApplyStep's parallel pass, fused with producing the gradient.
            _run.Reduction.Reset();
            for (int w = 0; w < pool.Count; w++)
            {
                var partial = pool.PartialOf(w);
                _run.Reduction.AddDeferred(partial.Sums, partial.MaxAbs, partial.Overflow, partial.ShardCount);
            }
            pool.ShardLoss.CopyTo(_shardLoss);
            pool.ShardCorrect.CopyTo(_shardCorrect);
        }
        while (!_run.ApplyStep(_shardLoss, _shardCorrect, _parameters));
    }
}
