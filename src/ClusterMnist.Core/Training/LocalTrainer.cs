using System.Diagnostics;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Data-parallel training on local threads. Each epoch shuffles the training set with Rng.ForStream(seed, epoch),
/// cuts it into batches of BatchSize (the last may be smaller) and each batch into micro-shards; worker threads
/// compute shard gradients and the coordinating thread sums them exactly (<see cref="ExactGradientSum"/>), so the
/// final parameters are bitwise identical for any number of workers, and a resumed run ends where an
/// uninterrupted one would.
/// </summary>
public sealed partial class LocalTrainer
{
    private readonly TrainingOptions _options;
    private readonly DataSplit _data;
    private readonly Network _network;
    private readonly GradientLayout _layout;
    private readonly IOptimizer _optimizer;
    private readonly float[] _parameters;
    private readonly float[] _optimizerState;
    private readonly float[] _gradient;
    private ReductionExponents _exponents;
    private readonly ExactGradientSum _sum;
    private readonly List<EpochReport> _history = [];
    private readonly int _stepsPerEpoch;
    private readonly int[] _stepExponents;

    // Position and running totals of the epoch in progress (restored from a checkpoint on resume).
    private long _globalStep;
    private int _epoch;
    private int _stepInEpoch;
    private double _epochLossSum;
    private long _epochCorrect;
    private long _epochSamples;
    private double _epochSecondsBefore;
    private RngState _shuffleState;

    /// <summary>Prepares a run: validates the options and initializes the parameters from the seed.</summary>
    public LocalTrainer(TrainingOptions options, DataSplit data)
        : this(options, data, validate: true)
    {
        _network.Initialize(_parameters, _options.Init, _options.Seed);
    }

    private LocalTrainer(TrainingOptions options, DataSplit data, bool validate)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        if (validate)
            options.Validate();
        if (data.Train.Count == 0)
            throw new ArgumentException($"The training set '{data.Train.Source}' is empty.", nameof(data));
        if (data.Train.PixelsPerImage != options.Model.InputSize || data.Test.PixelsPerImage != options.Model.InputSize)
        {
            throw new ArgumentException(
                $"Model input size {options.Model.InputSize} does not match the data's {data.Train.PixelsPerImage} pixels per image.", nameof(data));
        }
        _options = options;
        _data = data;
        _network = new Network(options.Model);
        int shardsPerBatch = new ShardPlan(options.BatchSize, options.MicroShardSize).ShardCount;
        _layout = new GradientLayout(_network.Segments.Select(s => (s.Offset, s.Length)).ToArray(), shardsPerBatch);
        _optimizer = Optimizers.Create(options.Optimizer);
        _parameters = new float[_network.ParameterCount];
        _optimizerState = new float[_optimizer.StateLength(_network.ParameterCount)];
        _gradient = new float[_network.ParameterCount];
        _exponents = new ReductionExponents(_layout);
        _sum = new ExactGradientSum(_layout);
        _stepsPerEpoch = StepsPerEpochFor(data.Train.Count, options.BatchSize);
        _stepExponents = new int[_layout.SegmentCount];
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
    public TrainingOptions Options => _options;

    /// <summary>Optimizer steps per epoch, ⌈train count / BatchSize⌉.</summary>
    public int StepsPerEpoch => _stepsPerEpoch;

    /// <summary>Steps per epoch for <paramref name="trainCount"/> samples, e.g. to size a cosine schedule's TotalSteps.</summary>
    public static int StepsPerEpochFor(int trainCount, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return (int)(((long)trainCount + batchSize - 1) / batchSize);
    }

    /// <summary>Steps that had to be recomputed because a shard overflowed the reduction's exponent (diagnostics).</summary>
    public int RedoCount { get; private set; }

    /// <summary>Trains the remaining epochs and returns the final parameters and test evaluation.</summary>
    public TrainingResult Run(CancellationToken cancellationToken = default)
    {
        var train = _data.Train;
        var order = new int[train.Count];
        EvaluationResult? test = null;
        using (var pool = new ShardWorkerPool(_network, train, _layout, _options.Workers, _options.MicroShardSize, _options.Seed))
        {
            while (_epoch < _options.Epochs)
            {
                _shuffleState = Shuffle(order, _epoch, _options.Seed);
                var clock = Stopwatch.StartNew();
                while (_stepInEpoch < _stepsPerEpoch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    TrainStep(pool, order);
                    // Written before StepCompleted so a handler sees the checkpoint of the step it is told about.
                    if (CheckpointPath is not null && CheckpointEverySteps > 0 && _globalStep % CheckpointEverySteps == 0 && _stepInEpoch < _stepsPerEpoch)
                        Checkpoint.Write(CheckpointPath, CaptureState(_epochSecondsBefore + clock.Elapsed.TotalSeconds));
                    if (StepCompleted is { } onStep)
                    {
                        double seconds = _epochSecondsBefore + clock.Elapsed.TotalSeconds;
                        onStep(new StepReport(_epoch + 1, _globalStep, _stepInEpoch, _stepsPerEpoch,
                            _epochLossSum / _epochSamples, (double)_epochCorrect / _epochSamples, _epochSamples / Math.Max(seconds, 1e-9)));
                    }
                }
                double trainSeconds = _epochSecondsBefore + clock.Elapsed.TotalSeconds;
                test = EvaluateTest();
                var report = new EpochReport(_epoch + 1, _epochLossSum / _epochSamples, (double)_epochCorrect / _epochSamples,
                    test.Loss, test.Accuracy, trainSeconds, _epochSamples / Math.Max(trainSeconds, 1e-9));
                _history.Add(report);
                _epoch++;
                StartNextEpoch();
                if (CheckpointPath is not null)
                    Checkpoint.Write(CheckpointPath, CaptureState(0));
                EpochCompleted?.Invoke(report);
            }
        }
        test ??= EvaluateTest();
        double totalSeconds = _history.Sum(h => h.Seconds);
        double totalSamples = (double)train.Count * _history.Count;
        return new TrainingResult((float[])_parameters.Clone(), _history.ToArray(), test, totalSeconds,
            totalSamples / Math.Max(totalSeconds, 1e-9), ParameterHash.Sha256(_parameters));
    }

    // One optimizer step: compute and reduce the batch's shards (redoing with larger exponents on overflow), then update.
    private void TrainStep(ShardWorkerPool pool, int[] order)
    {
        int start = _stepInEpoch * _options.BatchSize;
        var plan = new ShardPlan(Math.Min(_options.BatchSize, order.Length - start), _options.MicroShardSize);
        long step = _globalStep + 1;
        var exponents = _stepExponents;
        while (true)
        {
            _exponents.Values.CopyTo(exponents);
            pool.ComputeStep(order, start, plan, step, exponents, _parameters);
            _sum.Reset();
            for (int w = 0; w < pool.Count; w++)
                _sum.Add(pool.PartialOf(w));
            if (!_sum.NeedsRedo)
                break;
            _exponents.RaiseForRedo(_sum.Total);
            RedoCount++;
        }
        _sum.Produce(exponents, _gradient);
        _exponents.AdvanceAfterStep(_sum.Total);
        _optimizer.Step(_parameters, _gradient, _optimizerState, step, _options.Schedule.RateAt(step));

        // Loss and accuracy are summed in shard order so the reported numbers are also partition-independent.
        var loss = pool.ShardLoss;
        var correct = pool.ShardCorrect;
        for (int k = 0; k < plan.ShardCount; k++)
        {
            _epochLossSum += loss[k];
            _epochCorrect += correct[k];
        }
        _epochSamples += plan.BatchRows;
        _globalStep = step;
        _stepInEpoch++;
    }

    private EvaluationResult EvaluateTest() => Evaluator.Evaluate(_network, _parameters, _data.Test);

    private void StartNextEpoch()
    {
        _stepInEpoch = 0;
        _epochLossSum = 0;
        _epochCorrect = 0;
        _epochSamples = 0;
        _epochSecondsBefore = 0;
    }

    /// <summary>The epoch's sample order: identity permutation shuffled by Rng.ForStream(seed, epoch).</summary>
    internal static RngState Shuffle(int[] order, int epoch, ulong seed)
    {
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        var rng = Rng.ForStream(seed, (ulong)epoch);
        rng.Shuffle(order);
        return rng.State;
    }
}
