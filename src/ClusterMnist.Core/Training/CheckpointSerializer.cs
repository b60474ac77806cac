using ClusterMnist.Core.Optim;

namespace ClusterMnist.Core.Training;

/// <summary>
/// Field-by-field encoding of the checkpoint payload. Format 2 adds the data set's name after the training set's
/// fingerprint (empty when unknown); format 1 files are still read, with no name.
/// </summary>
internal static class CheckpointSerializer
{
    public static void WritePayload(BinaryWriter w, CheckpointState s, int formatVersion)
    {
        w.Write(s.Model);
        w.Write(s.Init);
        WriteOptimizer(w, s.Optimizer);
        WriteSchedule(w, s.Schedule);
        w.Write(s.BatchSize);
        w.Write(s.Epochs);
        w.Write(s.MicroShardSize);
        w.Write(s.Seed);
        w.Write(s.CheckpointEverySteps);
        w.Write(s.TrainFingerprint);
        if (formatVersion >= 2)
            w.Write(s.Dataset ?? string.Empty);
        WriteFloats(w, s.Parameters);
        WriteFloats(w, s.OptimizerState);
        w.Write(s.Exponents.Length);
        foreach (int e in s.Exponents)
            w.Write(e);
        w.Write(s.GlobalStep);
        w.Write(s.Epoch);
        w.Write(s.StepInEpoch);
        if (s.RngState.Length != 4)
            throw new ArgumentException("RNG state must have four words.", nameof(s));
        foreach (ulong word in s.RngState)
            w.Write(word);
        w.Write(s.EpochLossSum);
        w.Write(s.EpochCorrect);
        w.Write(s.EpochSamples);
        w.Write(s.EpochSeconds);
        w.Write(s.History.Count);
        foreach (var r in s.History)
        {
            w.Write(r.Epoch);
            w.Write(r.TrainLoss);
            w.Write(r.TrainAccuracy);
            w.Write(r.TestLoss);
            w.Write(r.TestAccuracy);
            w.Write(r.Seconds);
            w.Write(r.SamplesPerSecond);
        }
    }

    public static CheckpointState ReadPayload(BinaryReader r, int formatVersion)
    {
        string model = r.ReadString();
        string init = r.ReadString();
        var optimizer = ReadOptimizer(r);
        var schedule = ReadSchedule(r);
        int batchSize = r.ReadInt32(), epochs = r.ReadInt32(), microShardSize = r.ReadInt32();
        ulong seed = r.ReadUInt64();
        int checkpointEvery = r.ReadInt32();
        string fingerprint = r.ReadString();
        string? dataset = formatVersion >= 2 ? r.ReadString() : null;
        var parameters = ReadFloats(r, "parameter");
        var optimizerState = ReadFloats(r, "optimizer-state");
        var exponents = new int[ReadCount(r, sizeof(int), "reduction-exponent")];
        for (int i = 0; i < exponents.Length; i++)
            exponents[i] = r.ReadInt32();
        long globalStep = r.ReadInt64();
        int epoch = r.ReadInt32(), stepInEpoch = r.ReadInt32();
        ulong[] rng = [r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64()];
        double lossSum = r.ReadDouble();
        long correct = r.ReadInt64(), samples = r.ReadInt64();
        double seconds = r.ReadDouble();
        var history = new EpochReport[ReadCount(r, sizeof(int) + 6 * sizeof(double), "epoch-history")];
        for (int i = 0; i < history.Length; i++)
            history[i] = new EpochReport(r.ReadInt32(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble(), r.ReadDouble());
        if (r.BaseStream.Position != r.BaseStream.Length)
            throw new InvalidDataException("unexpected bytes after the last field.");
        return new CheckpointState
        {
            Model = model, Init = init, Optimizer = optimizer, Schedule = schedule, BatchSize = batchSize, Epochs = epochs,
            MicroShardSize = microShardSize, Seed = seed, CheckpointEverySteps = checkpointEvery, TrainFingerprint = fingerprint,
            Dataset = string.IsNullOrEmpty(dataset) ? null : dataset,
            Parameters = parameters, OptimizerState = optimizerState, Exponents = exponents, GlobalStep = globalStep,
            Epoch = epoch, StepInEpoch = stepInEpoch, RngState = rng, EpochLossSum = lossSum, EpochCorrect = correct,
            EpochSamples = samples, EpochSeconds = seconds, History = history,
        };
    }

    private static void WriteOptimizer(BinaryWriter w, OptimizerSpec o)
    {
        w.Write((int)o.Kind);
        w.Write(o.Momentum);
        w.Write(o.Beta1);
        w.Write(o.Beta2);
        w.Write(o.Epsilon);
        w.Write(o.WeightDecay);
    }

    private static OptimizerSpec ReadOptimizer(BinaryReader r)
    {
        var kind = (OptimizerKind)r.ReadInt32();
        if (!Enum.IsDefined(kind))
            throw new InvalidDataException($"unknown optimizer kind {(int)kind}.");
        return new OptimizerSpec(kind, r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle(), r.ReadSingle());
    }

    private static void WriteSchedule(BinaryWriter w, LearningRateSchedule s)
    {
        w.Write((int)s.Kind);
        w.Write(s.BaseRate);
        w.Write(s.WarmupSteps);
        w.Write(s.StepSize);
        w.Write(s.Gamma);
        w.Write(s.TotalSteps);
        w.Write(s.MinRate);
    }

    private static LearningRateSchedule ReadSchedule(BinaryReader r)
    {
        var kind = (ScheduleKind)r.ReadInt32();
        if (!Enum.IsDefined(kind))
            throw new InvalidDataException($"unknown schedule kind {(int)kind}.");
        return new LearningRateSchedule(kind, r.ReadSingle(), r.ReadInt64(), r.ReadInt64(), r.ReadSingle(), r.ReadInt64(), r.ReadSingle());
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        foreach (float v in values)
            w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r, string field)
    {
        var values = new float[ReadCount(r, sizeof(float), field)];
        for (int i = 0; i < values.Length; i++)
            values[i] = r.ReadSingle();
        return values;
    }

    // A count must fit in what is left of the payload, so a damaged length cannot trigger a huge allocation.
    private static int ReadCount(BinaryReader r, int bytesPerItem, string field)
    {
        int count = r.ReadInt32();
        long remaining = r.BaseStream.Length - r.BaseStream.Position;
        if (count < 0 || (long)count * bytesPerItem > remaining)
            throw new InvalidDataException($"the {field} count field holds {count:N0}, but {remaining:N0} bytes remain ({bytesPerItem} per item).");
        return count;
    }
}
