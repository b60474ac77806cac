using ClusterMnist.Actors.Testing;

namespace ClusterMnist.Actors.Tests;

public class ActorSystemTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Tell_DeliversMessagesInOrder_OneAtATime()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var meter = new OverlapMeter();
        var actor = system.Spawn(Props.Create(() => new RecorderActor(probe, meter)), "recorder");

        for (var i = 0; i < 200; i++)
        {
            await actor.TellAsync(new Work(i));
        }

        for (var i = 0; i < 200; i++)
        {
            var work = await probe.ExpectMessageAsync<Work>(Wait);
            Assert.Equal(i, work.Number);
        }

        Assert.Equal(1, meter.MaxInside);
        Assert.Equal(actor, probe.LastSender);
    }

    [Fact]
    public async Task Spawn_UsesUserPath_AndChildPathsNestUnderTheParent()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var parent = system.Spawn(Props.Create(() => new ParentActor(probe)), "parent");

        parent.Tell(new Echo("spawn"));
        var child = await probe.ExpectMessageAsync<IActorRef>(Wait);

        Assert.Equal("/user/parent", parent.Path);
        Assert.Equal("/user/parent/child", child.Path);
        Assert.Same(child, system.Find("/user/parent/child"));
        Assert.Throws<InvalidOperationException>(() => system.Spawn(Props.Create(() => new RecorderActor(probe)), "parent"));
    }

    [Fact]
    public async Task Stop_StopsChildrenToo_AndUnregistersPaths()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var parent = system.Spawn(Props.Create(() => new ParentActor(probe)), "parent");
        parent.Tell(new Echo("spawn"));
        var child = await probe.ExpectMessageAsync<IActorRef>(Wait);
        probe.Watch(child);

        await system.Stop(parent).WaitAsync(Wait);

        var terminated = await probe.ExpectMessageAsync<Terminated>(Wait);
        Assert.Equal(child, terminated.Actor);
        Assert.Null(system.Find("/user/parent"));
        Assert.Null(system.Find("/user/parent/child"));
    }

    [Fact]
    public async Task Ask_ReturnsTheReply_WhenTheActorAnswers()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new RecorderActor(probe)), "recorder");

        var reply = await actor.Ask<Echo>(new Echo("hello"), Wait);

        Assert.Equal("hello", reply.Text);
    }

    [Fact]
    public async Task Ask_ThrowsTimeoutNamingTargetAndMessage_WhenNoReplyBeforeTheDeadline()
    {
        var time = new ManualTimeProvider();
        await using var system = new ActorSystem("test", new ActorSystemOptions(TimeProvider: time));
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new RecorderActor(probe)), "silent");

        var ask = actor.Ask<Echo>(new Work(7), TimeSpan.FromSeconds(5));
        await probe.ExpectMessageAsync<Work>(Wait);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(ask.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => ask.WaitAsync(Wait));
        Assert.Contains("/user/silent", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Work), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_ThrowsInvalidCast_WhenTheReplyHasAnotherType()
    {
        await using var system = new ActorSystem("test");
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new RecorderActor(probe)), "recorder");

        await Assert.ThrowsAsync<InvalidCastException>(() => actor.Ask<Count>(new Echo("not a count"), Wait));
    }

    private sealed class ParentActor(IActorRef probe) : Actor
    {
        protected internal override Task ReceiveAsync(object message)
        {
            if (message is Echo)
            {
                probe.Tell(Context.Spawn(Props.Create(() => new RecorderActor(probe)), "child"));
            }

            return Task.CompletedTask;
        }
    }
}
