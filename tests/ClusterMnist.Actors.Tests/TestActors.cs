using ClusterMnist.Actors;

namespace ClusterMnist.Actors.Tests;

/// <summary>Small protocol used by the runtime tests.</summary>
internal sealed record Work(int Number);

internal sealed record Echo(string Text);

internal sealed record Fail(string Why);

internal sealed record GetCount;

internal sealed record Count(int Value);

internal sealed record WatchThis(IActorRef Target);

/// <summary>Singleton tick, as timer messages are.</summary>
internal sealed record Tick
{
    public static Tick Instance { get; } = new();

    private Tick()
    {
    }
}

/// <summary>Forwards every message to a probe; replies to Echo; counts Work; throws on Fail.</summary>
internal sealed class RecorderActor(IActorRef probe, OverlapMeter? meter = null) : Actor
{
    private int _count;

    protected internal override async Task ReceiveAsync(object message)
    {
        meter?.Enter();
        try
        {
            switch (message)
            {
                case Work work:
                    _count++;
                    // Yield so that a second loop (if there were one) would get a chance to overlap.
                    await Task.Yield();
                    probe.Tell(work, Self);
                    break;
                case Echo echo:
                    Sender?.Tell(echo, Self);
                    break;
                case GetCount:
                    Sender?.Tell(new Count(_count), Self);
                    break;
                case Fail fail:
                    throw new InvalidOperationException(fail.Why);
                case WatchThis watch:
                    Context.Watch(watch.Target);
                    probe.Tell(watch, Self);
                    break;
                default:
                    probe.Tell(message, Sender);
                    break;
            }
        }
        finally
        {
            meter?.Exit();
        }
    }
}

/// <summary>Counts how many ReceiveAsync calls run at once; proves one-at-a-time processing.</summary>
internal sealed class OverlapMeter
{
    private int _inside;
    private int _maxInside;

    public int MaxInside => Volatile.Read(ref _maxInside);

    public void Enter()
    {
        var now = Interlocked.Increment(ref _inside);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, now, seen) != seen)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _inside);
}

/// <summary>
/// Opens a gate when disposed, so a test that fails while a <see cref="GatedActor"/> is blocked still lets the
/// actor (and the system's disposal, which waits for the current message) finish.
/// </summary>
internal sealed class GateOpener(TaskCompletionSource gate) : IDisposable
{
    public void Dispose() => gate.TrySetResult();
}

/// <summary>Blocks on its first message until the test opens the gate; for mailbox back-pressure.</summary>
internal sealed class GatedActor(TaskCompletionSource gate, IActorRef probe) : Actor
{
    protected internal override async Task ReceiveAsync(object message)
    {
        probe.Tell(message, Self);
        await gate.Task;
    }
}
