using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Randomness;

namespace ClusterMnist.Core.Training;

// Capturing the run into a CheckpointState and continuing from one.
public sealed partial class TrainingRun
{
    /// <summary>
    /// Continues the run saved in <paramref name="state"/> (read from <paramref name="checkpointPath"/>, named in
    /// errors) with <paramref name="workers"/> as the options' worker count; it ends with the same parameters as the
    /// uninterrupted run.
    /// </summary>
    /// <exception cref="CheckpointException">The state does not match <paramref name="data"/> or is inconsistent.</exception>
    public static TrainingRun FromCheckpoint(CheckpointState state, DataSplit data, int workers, string checkpointPath)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        if (!string.Equals(state.TrainFingerprint, data.Train.Fingerprint, StringComparison.Ordinal))
        {
            throw new CheckpointException(checkpointPath,
                $"it was written for a different training set ({(state.Dataset is null ? "" : $"{state.Dataset}, ")}fingerprint "
                + $"{state.TrainFingerprint[..Math.Min(12, state.TrainFingerprint.Length)]}…), not '{data.Train.Source}'.");
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
        TrainingRun run;
        try
        {
            run = new TrainingRun(options, data, validate: false);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(checkpointPath, $"does not match the data set: {e.Message}", e);
        }
        run.Restore(state, checkpointPath);
        return run;
    }

    /// <summary>
    /// The state to checkpoint now: settings, parameters, optimizer state, exponents, position, the epoch's running
    /// totals with <paramref name="epochSeconds"/> of training so far, and the history.
    /// </summary>
    public CheckpointState Capture(int checkpointEverySteps, double epochSeconds)
    {
        var rng = StepInEpoch == 0 ? Rng.ForStream(Options.Seed, (ulong)Epoch).State : ShuffleStateOfEpoch();
        return new CheckpointState
        {
            Model = Options.Model.ToString(),
            Init = Options.Init.ToString(),
            Optimizer = Options.Optimizer,
            Schedule = Options.Schedule,
            BatchSize = Options.BatchSize,
            Epochs = Options.Epochs,
            MicroShardSize = Options.MicroShardSize,
            Seed = Options.Seed,
            CheckpointEverySteps = checkpointEverySteps,
            TrainFingerprint = _data.Train.Fingerprint,
            Dataset = _data.Name,
            Parameters = (float[])_parameters.Clone(),
            OptimizerState = (float[])_optimizerState.Clone(),
            Exponents = _exponents.Values.ToArray(),
            GlobalStep = GlobalStep,
            Epoch = Epoch,
            StepInEpoch = StepInEpoch,
            RngState = [rng.S0, rng.S1, rng.S2, rng.S3],
            EpochLossSum = _epochLossSum,
            EpochCorrect = _epochCorrect,
            EpochSamples = _epochSamples,
            EpochSeconds = epochSeconds,
            History = _history.ToArray(),
        };
    }

    private RngState ShuffleStateOfEpoch()
    {
        EnsureOrder();
        return _shuffleState;
    }

    private void Restore(CheckpointState state, string path)
    {
        if (state.Parameters.Length != _parameters.Length)
            throw new CheckpointException(path, $"holds {state.Parameters.Length} parameters; model {Options.Model} has {_parameters.Length}.");
        if (state.OptimizerState.Length != _optimizerState.Length)
            throw new CheckpointException(path, $"holds {state.OptimizerState.Length} optimizer-state floats; expected {_optimizerState.Length}.");
        if (state.Exponents.Length != Layout.SegmentCount)
            throw new CheckpointException(path, $"holds {state.Exponents.Length} reduction exponents; expected {Layout.SegmentCount}.");
        if (state.Epoch < 0 || state.Epoch > Options.Epochs || state.StepInEpoch < 0 || state.StepInEpoch >= StepsPerEpoch
            || state.GlobalStep != (long)state.Epoch * StepsPerEpoch + state.StepInEpoch || state.History.Count != state.Epoch)
        {
            throw new CheckpointException(path, $"inconsistent position: epoch {state.Epoch}, step {state.StepInEpoch}, global step {state.GlobalStep}.");
        }
        // At an epoch boundary the stored state is the fresh (unused) generator of the next epoch; mid-epoch it is
        // the generator after shuffling the current epoch. Either way it is a function of (seed, epoch).
        var expectedRng = state.StepInEpoch == 0
            ? Rng.ForStream(Options.Seed, (ulong)state.Epoch).State
            : Shuffle(new int[_data.Train.Count], state.Epoch, Options.Seed);
        if (!state.RngState.AsSpan().SequenceEqual(new[] { expectedRng.S0, expectedRng.S1, expectedRng.S2, expectedRng.S3 }))
            throw new CheckpointException(path, "the stored shuffle generator state does not match this build's Rng; the run cannot be reproduced.");
        // Checked before anything is restored, so a refused checkpoint leaves this run as it was.
        ReductionExponents exponents;
        try
        {
            exponents = new ReductionExponents(Layout, state.Exponents);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(path, e.Message, e);
        }
        state.Parameters.CopyTo(_parameters, 0);
        state.OptimizerState.CopyTo(_optimizerState, 0);
        _exponents = exponents;
        GlobalStep = state.GlobalStep;
        Epoch = state.Epoch;
        StepInEpoch = state.StepInEpoch;
        _epochLossSum = state.EpochLossSum;
        _epochCorrect = state.EpochCorrect;
        _epochSamples = state.EpochSamples;
        EpochSecondsBefore = state.EpochSeconds;
        _history.AddRange(state.History);
    }
}
