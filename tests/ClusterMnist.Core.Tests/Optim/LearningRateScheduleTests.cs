using ClusterMnist.Core.Optim;

namespace ClusterMnist.Core.Tests.Optim;

public class LearningRateScheduleTests
{
    [Fact]
    public void Constant_RampsLinearly_DuringWarmup()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Constant, 0.1f, WarmupSteps: 4);
        Assert.Equal(0.025f, schedule.RateAt(1), 6);
        Assert.Equal(0.05f, schedule.RateAt(2), 6);
        Assert.Equal(0.1f, schedule.RateAt(4), 6);
        Assert.Equal(0.1f, schedule.RateAt(1000), 6);
    }

    [Fact]
    public void Step_MultipliesByGamma_EveryStepSize()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Step, 1f, StepSize: 10, Gamma: 0.5f);
        Assert.Equal(1f, schedule.RateAt(1));
        Assert.Equal(1f, schedule.RateAt(10));
        Assert.Equal(0.5f, schedule.RateAt(11));
        Assert.Equal(0.25f, schedule.RateAt(21));
    }

    [Fact]
    public void Step_CountsDecaysFromEndOfWarmup()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Step, 1f, WarmupSteps: 5, StepSize: 10, Gamma: 0.5f);
        Assert.Equal(0.2f, schedule.RateAt(1), 6);
        Assert.Equal(1f, schedule.RateAt(15));
        Assert.Equal(0.5f, schedule.RateAt(16));
    }

    [Fact]
    public void Cosine_ReachesHalfwayAndMinimum_AtKeySteps()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Cosine, 1f, WarmupSteps: 10, TotalSteps: 110, MinRate: 0.1f);
        Assert.Equal(0.5f, schedule.RateAt(5), 6);        // warm-up
        Assert.Equal(1f, schedule.RateAt(10), 6);         // end of warm-up
        Assert.Equal(0.55f, schedule.RateAt(60), 6);      // halfway: (1 + 0.1) / 2
        Assert.Equal(0.1f, schedule.RateAt(110), 6);      // TotalSteps
        Assert.Equal(0.1f, schedule.RateAt(500), 6);      // stays at MinRate
    }

    [Fact]
    public void ParseKind_ThrowsClearError_ForUnknownName()
    {
        Assert.Equal(ScheduleKind.Cosine, LearningRateSchedule.ParseKind("Cosine"));
        var error = Assert.Throws<ArgumentException>(() => LearningRateSchedule.ParseKind("linear"));
        Assert.Contains("linear", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RejectsCosineWithoutTotalSteps()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(ScheduleKind.Cosine, 0.1f).Validate());
}
