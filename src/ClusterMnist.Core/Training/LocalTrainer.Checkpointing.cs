using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

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
        if (!string.Equals(state.TrainFingerprint, data.Train.Fingerprint, StringComparison.Ordinal))
        {
            throw new CheckpointException(checkpointPath,
                $"it was written for a different training set (fingerprint {state.TrainFingerprint[..Math.Min(12, state.TrainFingerprint.Length)]}…), not '{data.Train.Source}'.");
        }
        TrainingOptions options;
        try
        {
            options = new TrainingOptions(ModelSpec.Parse(state.Model), Enum.Parse<Initialization>(state.Init), state.Optimizer,
                state.Schedule, state.BatchSize, state.Epochs, workers, state.Seed, state.MicroShardSize);
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CheckpointException(checkpointPath, $"stored settings are invalid: {e.Message}", e);
        }
        LocalTrainer trainer;
        try
        {
            trainer = new LocalTrainer(options, data, validate: false)
            {
                CheckpointPath = checkpointPath,
                CheckpointEverySteps = state.CheckpointEverySteps,
            };
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(checkpointPath, $"does not match the data set: {e.Message}", e);
        }
        trainer.Restore(state, checkpointPath);
        return trainer;
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

    private void Restore(CheckpointState state, string path)
    {
        if (state.Parameters.Length != _parameters.Length)
            throw new CheckpointException(path, $"holds {state.Parameters.Length} parameters; model {_options.Model} has {_parameters.Length}.");
        if (state.OptimizerState.Length != _optimizerState.Length)
            throw new CheckpointException(path, $"holds {state.OptimizerState.Length} optimizer-state floats; expected {_optimizerState.Length}.");
        if (state.Exponents.Length != _layout.SegmentCount)
            throw new CheckpointException(path, $"holds {state.Exponents.Length} reduction exponents; expected {_layout.SegmentCount}.");
        if (state.Epoch < 0 || state.Epoch > _options.Epochs || state.StepInEpoch < 0 || state.StepInEpoch >= _stepsPerEpoch
            || state.GlobalStep != (long)state.Epoch * _stepsPerEpoch + state.StepInEpoch || state.History.Count != state.Epoch)
        {
            throw new CheckpointException(path, $"inconsistent position: epoch {state.Epoch}, step {state.StepInEpoch}, global step {state.GlobalStep}.");
        }
        var expectedRng = ExpectedRngState(state.Epoch, state.StepInEpoch);
        if (!state.RngState.AsSpan().SequenceEqual(new[] { expectedRng.S0, expectedRng.S1, expectedRng.S2, expectedRng.S3 }))
            throw new CheckpointException(path, "the stored shuffle generator state does not match this build's Rng; the run cannot be reproduced.");
        state.Parameters.CopyTo(_parameters, 0);
        state.OptimizerState.CopyTo(_optimizerState, 0);
        try
        {
            _exponents = new ReductionExponents(_layout, state.Exponents);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(path, $"reduction exponents are out of range: {e.Message}", e);
        }
        _globalStep = state.GlobalStep;
        _epoch = state.Epoch;
        _stepInEpoch = state.StepInEpoch;
        _epochLossSum = state.EpochLossSum;
        _epochCorrect = state.EpochCorrect;
        _epochSamples = state.EpochSamples;
        _epochSecondsBefore = state.EpochSeconds;
        _history.AddRange(state.History);
    }

    // At an epoch boundary the stored state is the fresh (unused) generator of the next epoch; mid-epoch it is
    // the generator after shuffling the current epoch. Either way it is a function of (seed, epoch).
    private RngState ExpectedRngState(int epoch, int stepInEpoch)
    {
        if (stepInEpoch == 0)
            return Rng.ForStream(_options.Seed, (ulong)epoch).State;
        return Shuffle(new int[_data.Train.Count], epoch, _options.Seed);
    }

    private CheckpointState CaptureState(double epochSeconds)
    {
        var rng = _stepInEpoch == 0 ? Rng.ForStream(_options.Seed, (ulong)_epoch).State : _shuffleState;
        return new CheckpointState
        {
            Model = _options.Model.ToString(),
            Init = _options.Init.ToString(),
            Optimizer = _options.Optimizer,
            Schedule = _options.Schedule,
            BatchSize = _options.BatchSize,
            Epochs = _options.Epochs,
            MicroShardSize = _options.MicroShardSize,
            Seed = _options.Seed,
            CheckpointEverySteps = CheckpointEverySteps,
            TrainFingerprint = _data.Train.Fingerprint,
            Parameters = (float[])_parameters.Clone(),
            OptimizerState = (float[])_optimizerState.Clone(),
            Exponents = _exponents.Values.ToArray(),
            GlobalStep = _globalStep,
            Epoch = _epoch,
            StepInEpoch = _stepInEpoch,
            RngState = [rng.S0, rng.S1, rng.S2, rng.S3],
            EpochLossSum = _epochLossSum,
            EpochCorrect = _epochCorrect,
            EpochSamples = _epochSamples,
            EpochSeconds = epochSeconds,
            History = _history.ToArray(),
        };
    }
}
