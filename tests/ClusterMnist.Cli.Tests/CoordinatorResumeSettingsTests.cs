using ClusterMnist.Cli.Commands;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Tests;

/// <summary>`coordinator --resume` continues the checkpoint's run; settings given that differ are named in a warning.</summary>
public sealed class CoordinatorResumeSettingsTests
{
    private static readonly TrainingOptions Checkpointed = new(
        ModelSpec.Parse("784-32-10"), Initialization.He, OptimizerSpec.Parse("adam"),
        new LearningRateSchedule(ScheduleKind.Cosine, 0.002f, TotalSteps: 250), BatchSize: 64, Epochs: 2, Workers: 1, Seed: 1);

    [Fact]
    public void TheSameSettings_OnAnyWorkerCount_AreNotReported()
    {
        Assert.Empty(CoordinatorRun.SettingsResumeIgnores(Checkpointed with { Workers = 3 }, Checkpointed));
    }

    [Fact]
    public void EachDifferentSetting_IsNamedWithBothValues()
    {
        var given = Checkpointed with
        {
            Model = ModelSpec.Parse("784-64-10"),
            Epochs = 5,
            Schedule = Checkpointed.Schedule with { BaseRate = 0.01f },
            Seed = 7,
        };

        Assert.Equal(
            ["model 784-64-10/relu/softmax-ce/dropout=0 (checkpoint: 784-32-10/relu/softmax-ce/dropout=0)", "lr 0.01 (checkpoint: 0.002)", "epochs 5 (checkpoint: 2)", "seed 7 (checkpoint: 1)"],
            CoordinatorRun.SettingsResumeIgnores(given, Checkpointed));
    }
}
