using ClusterMnist.Actors.Testing;

namespace ClusterMnist.Actors.Tests.Remoting;

public class RemoteBackPressureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task RemoteTellAsync_WaitsWhenTheRemoteMailboxIsFull_AndTellThenReportsAFullQueue()
    {
        await using var server = await TestNode.ServerAsync("coordinator");
        await using var client = TestNode.Client("worker-1", TestNode.Options() with { OutboundQueueCapacity = 2 });
        using var probe = new TestProbe(server.System);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var opener = new GateOpener(gate);
        server.System.Spawn(Props.Create(() => new GatedActor(gate, probe), mailboxCapacity: 1), "slow");
        var connection = await client.Remoting.ConnectAsync(server.ClusterUri);
        var slow = connection.ActorFor("/user/slow");
        var chunk = new float[256 * 1024]; // 1 MiB per message

        // The slow actor stops reading; its mailbox, the server's receive loop, TCP buffers and finally the client's
        // outbound queue fill up, and TellAsync starts to wait. While one waits the queue is full, so Tell must refuse;
        // but TCP buffers may still be growing (autotuning), so a Tell that finds room after all counts as sent and
        // the pushing goes on. Bounded: 200 MiB would be far beyond any buffer.
        ValueTask blocked = default;
        var sent = 0;
        var refused = false;
        while (sent < 200 && !refused)
        {
            blocked = slow.TellAsync(new TensorPayload(sent, "chunk", chunk));
            sent++;
            if (blocked.IsCompleted || await Completes(blocked.AsTask(), TimeSpan.FromMilliseconds(300)))
            {
                continue;
            }

            try
            {
                slow.Tell(new TensorPayload(sent, "chunk", chunk));
                sent++;
            }
            catch (MailboxFullException)
            {
                refused = true;
            }
        }

        Assert.True(refused, "Tell never reported a full queue, so nothing pushed back");
        Assert.Null(connection.CloseReason);

        gate.SetResult();
        await blocked.AsTask().WaitAsync(Wait);
        for (var i = 0; i < sent; i++)
        {
            Assert.Equal(i, (await probe.ExpectMessageAsync<TensorPayload>(Wait)).Step);
        }
    }

    private static async Task<bool> Completes(Task task, TimeSpan within) =>
        await Task.WhenAny(task, Task.Delay(within)) == task;
}
