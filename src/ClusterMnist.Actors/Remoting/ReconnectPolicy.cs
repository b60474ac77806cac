namespace ClusterMnist.Actors.Remoting;

/// <summary>Exponential backoff for reconnecting to a node that is away: InitialDelay, ×Multiplier per failure, capped at MaxDelay.</summary>
/// <param name="InitialDelay">Wait after the first failed attempt.</param>
/// <param name="MaxDelay">Cap on any single wait.</param>
/// <param name="Multiplier">Growth per failed attempt.</param>
/// <param name="MaxAttempts">Give up (rethrow the last error) after this many attempts.</param>
public sealed record ReconnectPolicy(TimeSpan InitialDelay, TimeSpan MaxDelay, double Multiplier = 2.0, int MaxAttempts = int.MaxValue)
{
    /// <summary>0.5 s doubling up to 30 s, forever.</summary>
    public static ReconnectPolicy Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>The wait after failed attempt number <paramref name="failedAttempts"/> (1-based).</summary>
    public TimeSpan DelayAfter(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var ticks = InitialDelay.Ticks * Math.Pow(Multiplier, failedAttempts - 1);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
