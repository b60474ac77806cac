using ClusterMnist.Actors.Testing;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Actors.Tests;

public class SupervisionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FailingActor_IsRestartedWithFreshStateAndKeepsItsMailbox_AndTheFailureIsLogged()
    {
        var logs = new RecordingLoggerFactory();
        await using var system = new ActorSystem("test", new ActorSystemOptions(LoggerFactory: logs));
        using var probe = new TestProbe(system);
        var instances = 0;
        var actor = system.Spawn(Props.Create(() => { Interlocked.Increment(ref instances); return new RecorderActor(probe); }), "fragile");

        actor.Tell(new Work(1));
        actor.Tell(new Work(2));
        actor.Tell(new Fail("boom"));
        actor.Tell(new Work(3)); // queued behind the failure: must survive the restart
        await probe.ExpectMessageAsync<Work>(Wait);
        await probe.ExpectMessageAsync<Work>(Wait);
        Assert.Equal(3, (await probe.ExpectMessageAsync<Work>(Wait)).Number);

        var count = await actor.Ask<Count>(new GetCount(), Wait);
        Assert.Equal(1, count.Value); // only Work(3) reached the new instance
        Assert.Equal(2, Volatile.Read(ref instances));
        var entry = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("/user/fragile", entry.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Fail).FullName!, entry.Message, StringComparison.Ordinal);
        Assert.Contains("boom", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Restart", entry.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }

    [Fact]
    public async Task FailingChild_IsStopped_WhenTheParentStrategySaysStop()
    {
        var logs = new RecordingLoggerFactory();
        await using var system = new ActorSystem("test", new ActorSystemOptions(LoggerFactory: logs));
        using var probe = new TestProbe(system);
        var parent = system.Spawn(Props.Create(() => new StrictParent(probe)), "strict");
        parent.Tell(new Echo("spawn"));
        var child = await probe.ExpectMessageAsync<IActorRef>(Wait);
        probe.Watch(child);

        child.Tell(new Fail("fatal"));

        var terminated = await probe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(child, terminated.Actor);
        Assert.Contains("InvalidOperationException", terminated.Reason, StringComparison.Ordinal);
        var entry = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("/user/strict/worker", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Stop", entry.Message, StringComparison.Ordinal);
        Assert.Null(system.Find("/user/strict/worker"));
    }

    [Fact]
    public async Task FailingActor_IsStopped_WhenItExceedsMaxRestartsWithinTheWindow()
    {
        var logs = new RecordingLoggerFactory();
        var time = new ManualTimeProvider();
        var strategy = new SupervisorStrategy(MaxRestarts: 2, Window: TimeSpan.FromMinutes(1));
        await using var system = new ActorSystem("test", new ActorSystemOptions(time, logs, GuardianStrategy: strategy));
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new RecorderActor(probe)), "flaky");
        probe.Watch(actor);

        actor.Tell(new Fail("one"));
        actor.Tell(new Fail("two"));
        Assert.Equal(0, (await actor.Ask<Count>(new GetCount(), Wait)).Value); // still alive after two restarts
        time.Advance(TimeSpan.FromMinutes(2)); // the first two restarts fall out of the window
        actor.Tell(new Fail("three"));
        actor.Tell(new Fail("four"));
        actor.Tell(new Fail("five"));

        var terminated = await probe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(actor, terminated.Actor);
        var errors = logs.Entries.Where(e => e.Level == LogLevel.Error).ToList();
        Assert.Equal(5, errors.Count);
        Assert.Contains("more than 2 restarts", errors[^1].Message, StringComparison.Ordinal);
        Assert.All(errors.Take(4), e => Assert.Contains("Restart", e.Message, StringComparison.Ordinal));
    }

    private sealed class StrictParent(IActorRef probe) : Actor
    {
        public override SupervisorStrategy SupervisorStrategy => SupervisorStrategy.StopOnFailure;

        protected internal override Task ReceiveAsync(object message)
        {
            probe.Tell(Context.Spawn(Props.Create(() => new RecorderActor(probe)), "worker"));
            return Task.CompletedTask;
        }
    }
}
