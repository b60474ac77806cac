using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

public sealed class LocalTrainerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cmnist-train-").FullName;
    private static readonly DataSplit Data = SyntheticData.Split();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Batch 96 over 2,000 images: 21 steps per epoch, the last one 80 rows (5 shards of 16).
    private static TrainingOptions Options(int workers, ulong seed = 7, string optimizer = "adam", float lr = 0.002f) => new(
        ModelSpec.Parse("784-32-16-10/relu/softmax-ce/dropout=0.2"), Initialization.He, OptimizerSpec.Parse(optimizer),
        new LearningRateSchedule(ScheduleKind.Cosine, lr, WarmupSteps: 5, TotalSteps: 42), BatchSize: 96, Epochs: 2,
        Workers: workers, Seed: seed, MicroShardSize: 16);

    [Fact]
    public void Run_GivesIdenticalParameters_ForOneToFourWorkers()
    {
        var hashes = new List<string>();
        var trainLosses = new List<double>();
        for (int workers = 1; workers <= 4; workers++)
        {
            var result = new LocalTrainer(Options(workers), Data).Run();
            hashes.Add(result.ParameterSha256);
            trainLosses.Add(result.Epochs[^1].TrainLoss);
            Assert.Equal(ParameterHash.Sha256(result.Parameters), result.ParameterSha256);
        }
        Assert.All(hashes, h => Assert.Equal(hashes[0], h));
        Assert.All(trainLosses, l => Assert.Equal(trainLosses[0], l));
    }

    [Fact]
    public void Run_Learns_AndReportsEveryStepAndEpoch()
    {
        var trainer = new LocalTrainer(Options(2, optimizer: "momentum", lr: 0.05f), Data);
        var steps = new List<StepReport>();
        var epochs = new List<EpochReport>();
        trainer.StepCompleted += steps.Add;
        trainer.EpochCompleted += epochs.Add;
        var result = trainer.Run();
        Assert.Equal(42, steps.Count);
        Assert.Equal(21, LocalTrainer.StepsPerEpochFor(2000, 96));
        Assert.Equal(Enumerable.Range(1, 42).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.Equal(21, steps[20].StepInEpoch);
        Assert.Equal(2, steps[21].Epoch);
        Assert.Equal([1, 2], epochs.Select(e => e.Epoch));
        Assert.True(result.Test.Accuracy > 0.9, $"test accuracy {result.Test.Accuracy}");
        Assert.True(epochs[1].TrainLoss < epochs[0].TrainLoss);
        Assert.Equal(result.Test.Accuracy, epochs[1].TestAccuracy);
        Assert.True(result.SamplesPerSecond > 0 && result.TrainSeconds > 0);
    }

    [Fact]
    public void Run_GivesDifferentParameters_ForDifferentSeeds()
        => Assert.NotEqual(new LocalTrainer(Options(1, seed: 1), Data).Run().ParameterSha256,
            new LocalTrainer(Options(1, seed: 2), Data).Run().ParameterSha256);

    [Fact]
    public void Resume_FromEpochAndMidEpochCheckpoints_EndsWithUninterruptedParameters()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        string afterEpoch1 = Path.Combine(_directory, "epoch1.ckpt");
        string midEpoch1 = Path.Combine(_directory, "step10.ckpt");
        string midEpoch2 = Path.Combine(_directory, "step25.ckpt");
        var trainer = new LocalTrainer(Options(3), Data) { CheckpointPath = path, CheckpointEverySteps = 5 };
        trainer.EpochCompleted += e => { if (e.Epoch == 1) File.Copy(path, afterEpoch1); };
        trainer.StepCompleted += s =>
        {
            if (s.Step == 10) File.Copy(path, midEpoch1);
            if (s.Step == 25) File.Copy(path, midEpoch2);
        };
        var uninterrupted = trainer.Run();
        Assert.Equal(uninterrupted.ParameterSha256, ParameterHash.Sha256(Checkpoint.Read(path).Parameters));
        Assert.Equal((0, 10), (Checkpoint.Read(midEpoch1).Epoch, Checkpoint.Read(midEpoch1).StepInEpoch));
        Assert.Equal((1, 4), (Checkpoint.Read(midEpoch2).Epoch, Checkpoint.Read(midEpoch2).StepInEpoch));
        Assert.Equal((1, 0), (Checkpoint.Read(afterEpoch1).Epoch, Checkpoint.Read(afterEpoch1).StepInEpoch));

        foreach (var (checkpoint, workers) in new[] { (afterEpoch1, 1), (midEpoch1, 2), (midEpoch2, 4) })
        {
            var resumed = LocalTrainer.Resume(checkpoint, Data, workers).Run();
            Assert.Equal(uninterrupted.ParameterSha256, resumed.ParameterSha256);
            Assert.Equal(2, resumed.Epochs.Count);
            Assert.Equal(uninterrupted.Epochs[1].TrainLoss, resumed.Epochs[1].TrainLoss);
            Assert.Equal(uninterrupted.Test.Accuracy, resumed.Test.Accuracy);
        }
    }

    [Fact]
    public void Resume_WithTooSmallExponents_RedoesStep_AndStaysIdenticalAcrossWorkerCounts()
    {
        // Every segment's exponent is forced to the minimum, so the first resumed step overflows in every
        // shard and must be redone; the outcome must still not depend on the worker count.
        string path = Path.Combine(_directory, "run.ckpt");
        var small = SyntheticData.Split(trainCount: 600);
        var trainer = new LocalTrainer(Options(1), small) { CheckpointPath = path };
        trainer.EpochCompleted += e => { if (e.Epoch == 1) File.Copy(path, path + ".epoch1"); };
        trainer.Run();
        var state = Checkpoint.Read(path + ".epoch1");
        Array.Fill(state.Exponents, ReductionExponents.MinExponent);
        var hashes = new List<string>();
        for (int workers = 1; workers <= 3; workers++)
        {
            string copy = Path.Combine(_directory, $"tiny-exponents-{workers}.ckpt");
            Checkpoint.Write(copy, state);
            var resumed = LocalTrainer.Resume(copy, small, workers);
            hashes.Add(resumed.Run().ParameterSha256);
            Assert.True(resumed.RedoCount >= 1);
        }
        Assert.All(hashes, h => Assert.Equal(hashes[0], h));
    }

    [Fact]
    public void Resume_Throws_WhenTrainingSetDiffers()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        var small = SyntheticData.Split(trainCount: 300);
        new LocalTrainer(Options(1) with { Epochs = 1 }, small) { CheckpointPath = path }.Run();
        var error = Assert.Throws<CheckpointException>(() => LocalTrainer.Resume(path, SyntheticData.Split(trainCount: 300, seed: 5), 1));
        Assert.Contains("different training set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resume_Throws_WhenCheckpointIsCorruptedOrTruncated()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        var small = SyntheticData.Split(trainCount: 300);
        new LocalTrainer(Options(1) with { Epochs = 1 }, small) { CheckpointPath = path }.Run();
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("corrupted", Assert.Throws<CheckpointException>(() => LocalTrainer.Resume(path, small, 1)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 3).ToArray());
        Assert.Contains("truncated", Assert.Throws<CheckpointException>(() => LocalTrainer.Resume(path, small, 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureMatches_Throws_WhenModelDiffers()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        var small = SyntheticData.Split(trainCount: 300);
        var options = Options(1) with { Epochs = 1 };
        new LocalTrainer(options, small) { CheckpointPath = path }.Run();
        var state = Checkpoint.Read(path);
        LocalTrainer.EnsureMatches(state, options with { Workers = 3 }, path);
        var error = Assert.Throws<CheckpointException>(() =>
            LocalTrainer.EnsureMatches(state, options with { Model = ModelSpec.Parse("784-64-10") }, path));
        Assert.Contains("model differs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ThrowsTrainingDiverged_WhenLearningRateExplodes()
    {
        var options = Options(2, optimizer: "sgd", lr: 1e30f) with { Epochs = 1 };
        Assert.Throws<TrainingDivergedException>(() => new LocalTrainer(options, SyntheticData.Split(trainCount: 300)).Run());
    }
}
