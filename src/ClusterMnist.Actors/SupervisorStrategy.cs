namespace ClusterMnist.Actors;

/// <summary>What happens to a child that threw.</summary>
public enum SupervisionDirective
{
    /// <summary>Replace the instance with a fresh one from its props; the mailbox (and queued messages) is kept.</summary>
    Restart,

    /// <summary>Stop the child; watchers get <see cref="Terminated"/>.</summary>
    Stop,
}

/// <summary>
/// One-for-one supervision: only the failing child is affected. A child that fails more than
/// <see cref="MaxRestarts"/> times within <see cref="Window"/> is stopped instead of restarted, so a poisoned
/// actor cannot spin forever.
/// </summary>
/// <param name="MaxRestarts">Restarts allowed within <paramref name="Window"/>.</param>
/// <param name="Window">Sliding window for counting restarts, measured on the system's TimeProvider.</param>
/// <param name="Decider">Chooses the directive per exception; <c>null</c> restarts on every exception.</param>
public sealed record SupervisorStrategy(int MaxRestarts, TimeSpan Window, Func<Exception, SupervisionDirective>? Decider = null)
{
    /// <summary>Restart up to 10 times within one minute.</summary>
    public static SupervisorStrategy Default { get; } = new(10, TimeSpan.FromMinutes(1));

    /// <summary>Stop on the first failure.</summary>
    public static SupervisorStrategy StopOnFailure { get; } = new(0, TimeSpan.Zero, _ => SupervisionDirective.Stop);

    /// <summary>The directive for <paramref name="exception"/> before the restart budget is applied.</summary>
    public SupervisionDirective Decide(Exception exception) => Decider?.Invoke(exception) ?? SupervisionDirective.Restart;
}
