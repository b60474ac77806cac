using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cmnist-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static CheckpointState SampleState() => new()
    {
        Model = "784-16-10/relu/softmax-ce/dropout=0.2",
        Init = "He",
        Optimizer = new OptimizerSpec(OptimizerKind.AdamW, WeightDecay: 0.01f),
        Schedule = new LearningRateSchedule(ScheduleKind.Cosine, 0.001f, WarmupSteps: 10, TotalSteps: 100),
        BatchSize = 256,
        Epochs = 3,
        MicroShardSize = 32,
        Seed = 0xDEADBEEFCAFEUL,
        CheckpointEverySteps = 7,
        TrainFingerprint = "abc123",
        Dataset = "fashion",
        Parameters = [1f, -2.5f, float.Epsilon, 3.25f],
        OptimizerState = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f],
        Exponents = [-30, -28],
        GlobalStep = 42,
        Epoch = 1,
        StepInEpoch = 5,
        RngState = [1UL, 2UL, 3UL, ulong.MaxValue],
        EpochLossSum = 12.5,
        EpochCorrect = 77,
        EpochSamples = 1280,
        EpochSeconds = 0.75,
        History = [new EpochReport(1, 0.5, 0.8, 0.45, 0.82, 1.5, 12345.0)],
    };

    private string WriteSample()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        Checkpoint.Write(path, SampleState());
        return path;
    }

    [Fact]
    public void Checkpoint_RoundTripsEveryField()
    {
        var expected = SampleState();
        var actual = Checkpoint.Read(WriteSample());
        Assert.Equal(expected.Model, actual.Model);
        Assert.Equal(expected.Init, actual.Init);
        Assert.Equal(expected.Optimizer, actual.Optimizer);
        Assert.Equal(expected.Schedule, actual.Schedule);
        Assert.Equal((expected.BatchSize, expected.Epochs, expected.MicroShardSize, expected.Seed, expected.CheckpointEverySteps),
            (actual.BatchSize, actual.Epochs, actual.MicroShardSize, actual.Seed, actual.CheckpointEverySteps));
        Assert.Equal(expected.TrainFingerprint, actual.TrainFingerprint);
        Assert.Equal(expected.Dataset, actual.Dataset);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.OptimizerState, actual.OptimizerState);
        Assert.Equal(expected.Exponents, actual.Exponents);
        Assert.Equal((expected.GlobalStep, expected.Epoch, expected.StepInEpoch), (actual.GlobalStep, actual.Epoch, actual.StepInEpoch));
        Assert.Equal(expected.RngState, actual.RngState);
        Assert.Equal((expected.EpochLossSum, expected.EpochCorrect, expected.EpochSamples, expected.EpochSeconds),
            (actual.EpochLossSum, actual.EpochCorrect, actual.EpochSamples, actual.EpochSeconds));
        Assert.Equal(expected.History, actual.History);
    }

    [Fact]
    public void Checkpoint_Write_ReplacesExistingFileAndLeavesNoTemporaryFiles()
    {
        string path = WriteSample();
        Checkpoint.Write(path, SampleState());
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    public void Checkpoint_Read_Throws_WhenFileIsMissing()
    {
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Read(Path.Combine(_directory, "none.ckpt")));
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(15)]
    [InlineData(60)]
    public void Checkpoint_Read_Throws_WhenFileIsTruncated(int keepBytes)
    {
        string path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, keepBytes).ToArray());
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_Read_Throws_WhenFileHasTruncatedTail()
    {
        string path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 1).ToArray());
        Assert.Contains("truncated", Assert.Throws<CheckpointException>(() => Checkpoint.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_Read_Throws_WhenMagicIsWrong()
    {
        string path = Path.Combine(_directory, "other.bin");
        File.WriteAllText(path, "this is not a checkpoint at all");
        Assert.Contains("bad magic", Assert.Throws<CheckpointException>(() => Checkpoint.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_ReadsFormat1_WhichDidNotRecordTheDataset()
    {
        string path = Path.Combine(_directory, "format1.ckpt");
        Checkpoint.Write(path, SampleState(), formatVersion: 1);

        var actual = Checkpoint.Read(path);

        Assert.Null(actual.Dataset);
        Assert.Equal(SampleState().TrainFingerprint, actual.TrainFingerprint);
        Assert.Equal(SampleState().Parameters, actual.Parameters);
        Assert.Equal(SampleState().History, actual.History);
    }

    [Fact]
    public void Checkpoint_Read_Throws_WhenVersionIsUnsupported()
    {
        string path = WriteSample();
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 99);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
        Assert.Contains("unsupported format version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checkpoint_Read_Throws_WhenAnyPayloadByteIsCorrupted()
    {
        string path = WriteSample();
        var original = File.ReadAllBytes(path);
        for (int position = 20; position < original.Length; position += 13)
        {
            var bytes = (byte[])original.Clone();
            bytes[position] ^= 0x10;
            File.WriteAllBytes(path, bytes);
            var error = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
            Assert.Contains("corrupted", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ParameterHash_IsLowercaseHexOfLittleEndianBytes()
    {
        // SHA-256 of the 4 bytes 00 00 80 3F (1.0f).
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(new byte[] { 0, 0, 0x80, 0x3F }));
        Assert.Equal(expected, ParameterHash.Sha256([1f]));
        Assert.Equal(64, expected.Length);
    }
}
