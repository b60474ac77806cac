using ClusterMnist.Server.Prediction;

namespace ClusterMnist.Server.Tests;

public sealed class DecodeSlotsTests
{
    [Fact]
    public async Task RunAsync_LetsAtMostTheSlotCountDecodeAtOnce_AndTheRestWait()
    {
        var slots = new DecodeSlots(2);
        using var release = new ManualResetEventSlim();
        int running = 0, peak = 0;
        int Decode()
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            release.Wait();
            Interlocked.Decrement(ref running);
            return now;
        }

        // Two decodes take the slots (each on its own thread, blocked inside the decode). Wait until both are inside
        // it: a slot is taken a moment before its decode starts, and releasing then would let one decode end before
        // the other began.
        var first = Task.Run(() => slots.RunAsync(Decode, CancellationToken.None));
        var second = Task.Run(() => slots.RunAsync(Decode, CancellationToken.None));
        while (Volatile.Read(ref running) < 2)
        {
            await Task.Yield();
        }

        // ...so a third, started now, must wait without running.
        var third = slots.RunAsync(Decode, CancellationToken.None);
        Assert.False(third.IsCompleted);
        Assert.Equal(1, slots.Waiting);

        release.Set();
        await Task.WhenAll(first, second, third);
        Assert.Equal(2, peak);
        Assert.Equal(0, slots.InUse);
        Assert.Equal(0, slots.Waiting);
    }

    [Fact]
    public async Task RunAsync_StopsWaiting_WhenTheRequestIsAborted()
    {
        var slots = new DecodeSlots(1);
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(() => slots.RunAsync(() => release.Wait(TimeSpan.FromMinutes(1)), CancellationToken.None));
        while (slots.InUse < 1)
        {
            await Task.Yield();
        }

        using var aborted = new CancellationTokenSource();
        var waiter = slots.RunAsync(() => true, aborted.Token);
        aborted.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        Assert.Equal(0, slots.Waiting);
        release.Set();
        await holder;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
