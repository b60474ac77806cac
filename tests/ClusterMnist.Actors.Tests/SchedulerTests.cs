using ClusterMnist.Actors.Testing;

namespace ClusterMnist.Actors.Tests;

public class SchedulerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SchedulePeriodic_TellsTheTickOncePerInterval_WhenTimeAdvances()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", new ActorSystemOptions(TimeProvider: time));
        using var probe = new TestProbe(system);

        using (system.Scheduler.SchedulePeriodic(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), probe, Tick.Instance))
        {
            time.Advance(TimeSpan.FromMilliseconds(999));
            await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(50));
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Same(Tick.Instance, await probe.ExpectMessageAsync<Tick>(Wait));
            time.Advance(TimeSpan.FromSeconds(4));
            await probe.ExpectMessageAsync<Tick>(Wait);
            await probe.ExpectMessageAsync<Tick>(Wait);
            await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(50));
        }

        time.Advance(TimeSpan.FromSeconds(10));
        await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task ScheduleOnce_TellsOnce_AndNotAtAll_WhenCancelledFirst()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", new ActorSystemOptions(TimeProvider: time));
        using var probe = new TestProbe(system);

        using var once = system.Scheduler.ScheduleOnce(TimeSpan.FromSeconds(3), probe, new Echo("later"));
        var cancelled = system.Scheduler.ScheduleOnce(TimeSpan.FromSeconds(3), probe, new Echo("never"));
        cancelled.Dispose();
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("later", (await probe.ExpectMessageAsync<Echo>(Wait)).Text);
        await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task ScheduledTicks_ReachAnActor_ThroughItsMailbox()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", new ActorSystemOptions(TimeProvider: time));
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new RecorderActor(probe)), "ticking");

        using var ticks = system.Scheduler.SchedulePeriodic(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), actor, Tick.Instance);
        time.Advance(TimeSpan.FromSeconds(3));

        for (var i = 0; i < 3; i++)
        {
            await probe.ExpectMessageAsync<Tick>(Wait);
        }
    }
}
