namespace ClusterMnist.Actors;

/// <summary>
/// Tells actors a message later or periodically. Timers come from the system's <see cref="TimeProvider"/>, so a
/// test advancing a manual clock fires them deterministically. Dispose the returned handle to cancel.
/// </summary>
public sealed class Scheduler
{
    private readonly ActorSystem _system;

    internal Scheduler(ActorSystem system) => _system = system;

    /// <summary>Tells <paramref name="message"/> to <paramref name="target"/> once, after <paramref name="delay"/>.</summary>
    public IDisposable ScheduleOnce(TimeSpan delay, IActorRef target, object message) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, target, message);

    /// <summary>Tells <paramref name="message"/> (typically a singleton tick) every <paramref name="interval"/>.</summary>
    public IDisposable SchedulePeriodic(TimeSpan initialDelay, TimeSpan interval, IActorRef target, object message)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return Schedule(initialDelay, interval, target, message);
    }

    private ITimer Schedule(TimeSpan due, TimeSpan period, IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        return _system.TimeProvider.CreateTimer(_ => target.Post(message, _system), null, due, period);
    }
}
