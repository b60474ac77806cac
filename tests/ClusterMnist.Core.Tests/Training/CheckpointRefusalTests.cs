using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

/// <summary>The probe's damaged checkpoints: each is refused with the file, the field and its real value.</summary>
public sealed class CheckpointRefusalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cmnist-refuse-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Read_RefusesNonFiniteParameters(float value, string shown)
    {
        // Such a checkpoint once evaluated to 10 % accuracy instead of being refused.
        var state = Captured();
        state.Parameters[123] = value;
        string path = Write(state);

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Contains($"parameter 123 of {state.Parameters.Length:N0} is {shown}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RefusesANonFiniteOptimizerState()
    {
        var state = Captured();
        state.OptimizerState[7] = float.NaN;

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(Write(state)));

        Assert.Contains("optimizer-state value 7 of", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1000)]
    [InlineData(1000)]
    [InlineData(int.MinValue)]
    public void FromCheckpoint_NamesAnOutOfRangeExponent_WithItsSign(int exponent)
    {
        var state = Captured();
        state.Exponents[1] = exponent;

        var e = Assert.Throws<CheckpointException>(
            () => TrainingRun.FromCheckpoint(Checkpoint.Read(Write(state)), SyntheticData.Split(trainCount: 300), 1, "run.ckpt"));

        Assert.Contains($"reduction exponent 1 is {exponent}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Read_NamesTheLengthField_WhenItIsNotALength(long length)
    {
        string path = Write(Captured());
        byte[] bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(12), length);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));

        // Once: "file is truncated (N of -N bytes)".
        Assert.Contains($"the payload-length field holds {length:N0}", e.Message, StringComparison.Ordinal);
    }

    private static CheckpointState Captured()
    {
        var options = new TrainingOptions(
            ModelSpec.Parse("784-8-10"), Initialization.He, new OptimizerSpec(OptimizerKind.Adam),
            new LearningRateSchedule(ScheduleKind.Constant, 0.01f), BatchSize: 64, Epochs: 2, Workers: 1, Seed: 3);
        return new TrainingRun(options, SyntheticData.Split(trainCount: 300)).Capture(checkpointEverySteps: 0, epochSeconds: 0);
    }

    private string Write(CheckpointState state)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.ckpt");
        Checkpoint.Write(path, state);
        return path;
    }
}
