using ClusterMnist.Actors.Testing;

namespace ClusterMnist.Actors.Tests;

public class MailboxTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Tell_ThrowsMailboxFull_WhenTheBoundedMailboxHasNoRoom()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var system = new ActorSystem("test");
        using var opener = new GateOpener(gate); // disposed before the system
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new GatedActor(gate, probe), mailboxCapacity: 2), "gated");

        actor.Tell(new Work(0));
        await probe.ExpectMessageAsync<Work>(Wait); // the actor holds message 0, the mailbox is empty again
        actor.Tell(new Work(1));
        actor.Tell(new Work(2));

        var error = Assert.Throws<MailboxFullException>(() => actor.Tell(new Work(3)));
        Assert.Contains("/user/gated", error.Message, StringComparison.Ordinal);
        gate.SetResult();
        Assert.Equal(1, (await probe.ExpectMessageAsync<Work>(Wait)).Number);
        Assert.Equal(2, (await probe.ExpectMessageAsync<Work>(Wait)).Number);
        await probe.ExpectNoMessageAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task TellAsync_WaitsForRoom_WhenTheMailboxIsFull()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var system = new ActorSystem("test");
        using var opener = new GateOpener(gate); // disposed before the system
        using var probe = new TestProbe(system);
        var actor = system.Spawn(Props.Create(() => new GatedActor(gate, probe), mailboxCapacity: 2), "gated");
        actor.Tell(new Work(0));
        await probe.ExpectMessageAsync<Work>(Wait);
        actor.Tell(new Work(1));
        actor.Tell(new Work(2));

        var pending = actor.TellAsync(new Work(3)).AsTask();
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);

        gate.SetResult();
        await pending.WaitAsync(Wait);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, (await probe.ExpectMessageAsync<Work>(Wait)).Number);
        }
    }
}
