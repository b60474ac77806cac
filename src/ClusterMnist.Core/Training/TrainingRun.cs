using System.Runtime.Intrinsics;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Diagnostics;
using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Training;

/// <summary>
/// The coordinator's deterministic state of a data-parallel run, whoever computes the gradients (local threads or
/// cluster workers): parameters, optimizer and its state, reduction exponents, the position (epoch, step), the
/// epoch's shuffled order from Rng.ForStream(seed, epoch), the next step's batch and <see cref="ShardPlan"/>, and
/// the per-epoch history. A driver repeatedly takes <see cref="NextBatch"/>, has every shard of
/// <see cref="NextPlan"/> computed with <see cref="Exponents"/>, adds the partials into <see cref="Reduction"/> and
/// calls <see cref="ApplyStep"/>; because the partials are summed exactly, the parameters do not depend on who
/// computed which shard.
/// </summary>
public sealed partial class TrainingRun
{
    private readonly DataSplit _data;
    private readonly IOptimizer _optimizer;
    private readonly float[] _parameters;
    private readonly float[] _optimizerState;
    private readonly float[] _gradient;
    private readonly int[] _stepExponents;
    private readonly int[] _order;
    private readonly List<EpochReport> _history = [];
    private ReductionExponents _exponents;
    private int _orderEpoch = -1;
    private RngState _shuffleState;
    private double _epochLossSum;
    private long _epochCorrect;
    private long _epochSamples;

    /// <summary>Starts a run: validates the options and initializes the parameters from the seed.</summary>
    public TrainingRun(TrainingOptions options, DataSplit data)
        : this(options, data, validate: true)
    {
        Network.Initialize(_parameters, Options.Init, Options.Seed);
    }

    private TrainingRun(TrainingOptions options, DataSplit data, bool validate)
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
        Options = options;
        _data = data;
        Network = new Network(options.Model);
        Layout = LayoutFor(Network, options.BatchSize, options.MicroShardSize);
        _optimizer = Optimizers.Create(options.Optimizer);
        _parameters = new float[Network.ParameterCount];
        _optimizerState = new float[_optimizer.StateLength(Network.ParameterCount)];
        _gradient = new float[Network.ParameterCount];
        _stepExponents = new int[Layout.SegmentCount];
        SliceCount = ParameterSlices.CountFor(Network.ParameterCount);
        _exponents = new ReductionExponents(Layout);
        Reduction = new ExactGradientSum(Layout);
        StepsPerEpoch = LocalTrainer.StepsPerEpochFor(data.Train.Count, options.BatchSize);
        _order = new int[data.Train.Count];
    }

    /// <summary>The run's settings.</summary>
    public TrainingOptions Options { get; }

    // Parallel slices of the update (see ParameterSlices); only speed depends on it, tests vary it.
    internal int SliceCount { get; set; }

    // Elements a slice produces, updates and copies at a time: the chunk's int sums, gradient, parameters, two moments
    // and copy (about 28 bytes per element, 450 KB) stay in L2 between the passes. Chunks of 1024 (in L1) measured
    // slower: a step then made 115 calls per pass. A multiple of ParameterSlices.Alignment, so chunks stay aligned.
    private const int UpdateChunk = 16384;

    [ThreadStatic]
    private static float[]? _gradientChunk;

    // The slice's gradient chunk: per thread, as slices run on thread-pool threads.
    private static float[] GradientChunk => _gradientChunk ??= new float[UpdateChunk];

    /// <summary>The network (shared, read-only; gradient computation takes per-thread workspaces).</summary>
    public Network Network { get; }

    /// <summary>The gradient's segments and the quantization limit for the batch size.</summary>
    public GradientLayout Layout { get; }

    /// <summary>The data set of the run.</summary>
    public DataSplit Data => _data;

    /// <summary>The current parameters (change after every <see cref="ApplyStep"/>).</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>The reduction exponents the next step's shards must be quantized with.</summary>
    public ReadOnlySpan<int> Exponents => _exponents.Values;

    /// <summary>The exact sum the next step's partials are added into; reset it before the first.</summary>
    public ExactGradientSum Reduction { get; }

    /// <summary>Optimizer steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Optimizer steps completed.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>0-based epoch in progress (equals Options.Epochs when the run is complete).</summary>
    public int Epoch { get; private set; }

    /// <summary>Steps completed in the epoch in progress.</summary>
    public int StepInEpoch { get; private set; }

    /// <summary>True when every epoch is done.</summary>
    public bool IsComplete => Epoch >= Options.Epochs;

    /// <summary>True when the epoch in progress has run all its steps and awaits <see cref="FinishEpoch"/>.</summary>
    public bool IsEpochFinished => StepInEpoch == StepsPerEpoch;

    /// <summary>Steps that had to be recomputed because a shard overflowed the reduction's exponent.</summary>
    public int RedoCount { get; private set; }

    /// <summary>Training seconds the epoch in progress had before this process took it over (from a checkpoint).</summary>
    public double EpochSecondsBefore { get; private set; }

    /// <summary>Reports of the completed epochs.</summary>
    public IReadOnlyList<EpochReport> History => _history;

    /// <summary>Running training loss, accuracy and sample count of the epoch in progress.</summary>
    public (double Loss, double Accuracy, long Samples) EpochSoFar =>
        _epochSamples == 0 ? (0, 0, 0) : (_epochLossSum / _epochSamples, (double)_epochCorrect / _epochSamples, _epochSamples);

    /// <summary>The id of the next step (GlobalStep + 1); it seeds dropout and names the step on the wire.</summary>
    public long NextStep => GlobalStep + 1;

    /// <summary>How the next step's batch is cut into micro-shards.</summary>
    public ShardPlan NextPlan
    {
        get
        {
            EnsureRunning();
            return new ShardPlan(Math.Min(Options.BatchSize, _order.Length - NextBatchStart), Options.MicroShardSize);
        }
    }

    /// <summary>The training-set indices of the next step's batch, in batch order (shard k is rows ShardStart(k)…).</summary>
    public ReadOnlySpan<int> NextBatch
    {
        get
        {
            EnsureRunning();
            EnsureOrder();
            return _order.AsSpan(NextBatchStart, NextPlan.BatchRows);
        }
    }

    // The order array and start of the next batch, for the thread pool that reads indices without copying.
    internal int[] Order
    {
        get
        {
            EnsureOrder();
            return _order;
        }
    }

    internal int NextBatchStart => StepInEpoch * Options.BatchSize;

    /// <summary>The layout of <paramref name="network"/>'s gradient for batches of <paramref name="batchSize"/>.</summary>
    public static GradientLayout LayoutFor(Network network, int batchSize, int microShardSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        int shardsPerBatch = new ShardPlan(batchSize, microShardSize).ShardCount;
        return new GradientLayout(network.Segments.Select(s => (s.Offset, s.Length)).ToArray(), shardsPerBatch);
    }

    /// <summary>
    /// Finishes the next step from <see cref="Reduction"/>, which holds every shard's partial. When a shard
    /// overflowed, raises the exponents and returns false: the step must be recomputed with the new
    /// <see cref="Exponents"/>. Otherwise applies the optimizer, adds the shards' loss and correct counts (indexed
    /// by shard, summed in shard order so reports are partition-independent too) and returns true.
    /// </summary>
    /// <exception cref="TrainingDivergedException">A gradient became non-finite or too large.</exception>
    /// <remarks>
    /// When <paramref name="copyParametersTo"/> is given and the step is applied, the new parameters are also written
    /// there in the same pass. The gradient is produced (adding a deferred partial), the optimizer applied and the
    /// copy written slice by slice on several threads when the optimizer allows it (Adam, AdamW): every element is
    /// computed on its own, so the result is bitwise that of one serial pass.
    /// </remarks>
    public bool ApplyStep(ReadOnlySpan<double> shardLoss, ReadOnlySpan<int> shardCorrect, float[]? copyParametersTo = null)
    {
        if (copyParametersTo is not null && copyParametersTo.Length != _parameters.Length)
            throw new ArgumentException($"The copy needs {_parameters.Length} elements.", nameof(copyParametersTo));
        EnsureRunning();
        var plan = NextPlan;
        if (shardLoss.Length < plan.ShardCount || shardCorrect.Length < plan.ShardCount)
            throw new ArgumentException($"Expected loss and correct counts for {plan.ShardCount} shards.");
        if (Reduction.Total.ShardCount != plan.ShardCount)
            throw new InvalidOperationException($"The reduction holds {Reduction.Total.ShardCount} of the step's {plan.ShardCount} shards.");
        if (Reduction.NeedsRedo)
        {
            _exponents.RaiseForRedo(Reduction.Total);
            RedoCount++;
            return false;
        }
        long step = NextStep;
        float rate = Options.Schedule.RateAt(step);
        long mark = StepTimings.Start();
        if (_optimizer is AdamOptimizer adam)
        {
            Reduction.CheckProducible(_exponents.Values, _gradient.Length);
            _exponents.Values.CopyTo(_stepExponents);
            int n = _parameters.Length;
            long produceTicks = 0, updateTicks = 0;
            if ((Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated) && Reduction.TryTakeDeferredPair(out var first, out var second, out var total))
            {
                // One pass: the partials' sums, the gradient and Adam's update element by element (see UpdateFromSums).
                ParameterSlices.Run(n, SliceCount, (start, end) => UpdateFromSums(adam, first, second, total, start, end, step, rate, copyParametersTo));
                Reduction.CompleteProduce();
                StepTimings.AddCoordinator(StepPhase.Optimizer, StepTimings.Since(mark));
                return FinishStep(plan, step, shardLoss, shardCorrect);
            }

            ParameterSlices.Run(n, SliceCount, (sliceStart, sliceEnd) =>
            {
                long produced = 0, updated = 0;
                // Chunk by chunk, so that the gradient a chunk's sums produce is still in L2 when Adam reads it and the
                // parameters Adam writes are still there when they are copied: one trip to L3, not three. The gradient
                // lives only in a chunk-sized buffer, so it is never written back to memory at all.
                var gradient = GradientChunk;
                for (int start = sliceStart; start < sliceEnd; start += UpdateChunk)
                {
                    int end = Math.Min(start + UpdateChunk, sliceEnd), length = end - start;
                    long chunkMark = StepTimings.Start();
                    Reduction.ProduceRangeInto(_stepExponents, gradient.AsSpan(0, length), start, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);
                    long chunkProduced = StepTimings.Since(chunkMark);
                    adam.Update(_parameters.AsSpan(start, length), gradient.AsSpan(0, length), _optimizerState.AsSpan(start, length),
                        _optimizerState.AsSpan(n + start, length), step, rate, Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated);
                    if (copyParametersTo is not null)
                        _parameters.AsSpan(start, length).CopyTo(copyParametersTo.AsSpan(start, length));
                    produced += chunkProduced;
                    updated += StepTimings.Since(chunkMark) - chunkProduced;
                }

                Interlocked.Add(ref produceTicks, produced);
                Interlocked.Add(ref updateTicks, updated);
            });
            Reduction.CompleteProduce();
            // The slices run at once: the pass's wall time is shared out in proportion to the slices' thread time.
            long wall = StepTimings.Since(mark);
            long reduction = produceTicks + updateTicks > 0 ? (long)(wall * (double)produceTicks / (produceTicks + updateTicks)) : 0;
            StepTimings.AddCoordinator(StepPhase.Quantization, reduction);
            StepTimings.AddCoordinator(StepPhase.Optimizer, wall - reduction);
        }
        else
        {
            Reduction.Produce(_exponents.Values, _gradient);
            long reduction = StepTimings.Since(mark);
            _optimizer.Step(_parameters, _gradient, _optimizerState, step, rate);
            if (copyParametersTo is not null)
                _parameters.CopyTo(copyParametersTo.AsSpan());
            StepTimings.AddCoordinator(StepPhase.Quantization, reduction);
            StepTimings.AddCoordinator(StepPhase.Optimizer, StepTimings.Since(mark) - reduction);
        }
        return FinishStep(plan, step, shardLoss, shardCorrect);
    }

    // After the update: the next exponents, the epoch's running loss and accuracy, the position.
    private bool FinishStep(ShardPlan plan, long step, ReadOnlySpan<double> shardLoss, ReadOnlySpan<int> shardCorrect)
    {
        _exponents.AdvanceAfterStep(Reduction.Total);
        for (int k = 0; k < plan.ShardCount; k++)
        {
            _epochLossSum += shardLoss[k];
            _epochCorrect += shardCorrect[k];
        }
        _epochSamples += plan.BatchRows;
        GlobalStep = step;
        StepInEpoch++;
        return true;
    }

    // The fused pass over [start, end): segment by segment, as each has its own exponent.
    private void UpdateFromSums(
        AdamOptimizer adam, ReadOnlyMemory<int> first, ReadOnlyMemory<int> second, int[] total, int start, int end, long step, float rate, float[]? copy)
    {
        int n = _parameters.Length;
        for (int t = 0; t < Layout.SegmentCount; t++)
        {
            int from = Math.Max(start, Layout.Offset(t)), to = Math.Min(end, Layout.Offset(t) + Layout.Length(t)), length = to - from;
            if (length <= 0)
                continue;
            adam.UpdateFromSums(first.Span.Slice(from, length), second.IsEmpty ? default : second.Span.Slice(from, length),
                total.AsSpan(from, length), ReductionExponents.PowerOfTwo(_stepExponents[t]), _parameters.AsSpan(from, length),
                _optimizerState.AsSpan(from, length), _optimizerState.AsSpan(n + from, length),
                copy is null ? default : copy.AsSpan(from, length), step, rate);
        }
    }

    /// <summary>Evaluates the current parameters on the test set.</summary>
    public EvaluationResult EvaluateTest() => Evaluator.Evaluate(Network, _parameters, _data.Test);

    /// <summary>
    /// Closes the finished epoch: evaluates on the test set, records its report (with <paramref name="trainSeconds"/>
    /// of training, including <see cref="EpochSecondsBefore"/>) and moves to the next epoch.
    /// </summary>
    public (EpochReport Report, EvaluationResult Test) FinishEpoch(double trainSeconds)
    {
        if (!IsEpochFinished)
            throw new InvalidOperationException($"Epoch {Epoch + 1} has run {StepInEpoch} of {StepsPerEpoch} steps.");
        var test = EvaluateTest();
        var report = new EpochReport(Epoch + 1, _epochLossSum / _epochSamples, (double)_epochCorrect / _epochSamples,
            test.Loss, test.Accuracy, trainSeconds, _epochSamples / Math.Max(trainSeconds, 1e-9));
        _history.Add(report);
        Epoch++;
        StepInEpoch = 0;
        _epochLossSum = 0;
        _epochCorrect = 0;
        _epochSamples = 0;
        EpochSecondsBefore = 0;
        return (report, test);
    }

    /// <summary>The outcome of the run so far; <paramref name="test"/> is evaluated when not given.</summary>
    public TrainingResult Result(EvaluationResult? test = null)
    {
        test ??= EvaluateTest();
        double totalSeconds = _history.Sum(h => h.Seconds);
        double totalSamples = (double)_data.Train.Count * _history.Count;
        return new TrainingResult((float[])_parameters.Clone(), _history.ToArray(), test, totalSeconds,
            totalSamples / Math.Max(totalSeconds, 1e-9), ParameterHash.Sha256(_parameters));
    }

    private void EnsureRunning()
    {
        if (IsComplete)
            throw new InvalidOperationException("The run is complete.");
        if (IsEpochFinished)
            throw new InvalidOperationException($"Epoch {Epoch + 1} is finished; call FinishEpoch first.");
    }

    private void EnsureOrder()
    {
        if (_orderEpoch == Epoch)
            return;
        _shuffleState = Shuffle(_order, Epoch, Options.Seed);
        _orderEpoch = Epoch;
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
