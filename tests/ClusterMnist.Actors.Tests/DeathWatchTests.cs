using ClusterMnist.Actors.Testing;

namespace ClusterMnist.Actors.Tests;

public class DeathWatchTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Watcher_GetsTerminated_WhenAWatchedActorStops()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var watcher = system.Spawn(Props.Create(() => new RecorderActor(probe)), "watcher");
        var target = system.Spawn(Props.Create(() => new RecorderActor(probe)), "target");

        watcher.Tell(new WatchThis(target));
        await probe.ExpectMessageAsync<WatchThis>(Wait);
        await system.Stop(target).WaitAsync(Wait);

        var terminated = await probe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(target, terminated.Actor);
        Assert.Equal("stopped", terminated.Reason);
    }

    [Fact]
    public async Task Watch_DeliversTerminatedAtOnce_WhenTheTargetIsAlreadyDead()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var target = system.Spawn(Props.Create(() => new RecorderActor(probe)), "gone");
        await system.Stop(target).WaitAsync(Wait);

        probe.Watch(target);

        Assert.Equal(target, (await probe.ExpectMessageAsync<Terminated>(Wait)).Actor);
    }

    [Fact]
    public async Task Unwatch_StopsTerminatedNotices()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var target = system.Spawn(Props.Create(() => new RecorderActor(probe)), "target");
        probe.Watch(target);
        probe.Unwatch(target);

        await system.Stop(target).WaitAsync(Wait);

        await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
    }
}
