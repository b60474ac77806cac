namespace ClusterMnist.Core.Optim;

/// <summary>
/// The learning rate as a function of the 1-based global step. During the first <see cref="WarmupSteps"/>
/// steps the rate rises linearly, rate(s) = BaseRate·s/WarmupSteps; after that the decay counts steps from
/// the end of warm-up: <see cref="ScheduleKind.Step"/> gives BaseRate·Gamma^⌊(s−W−1)/StepSize⌋, and
/// <see cref="ScheduleKind.Cosine"/> gives MinRate + (BaseRate−MinRate)·(1+cos(π·p))/2 with
/// p = (s−W)/(TotalSteps−W) clamped to [0, 1], reaching MinRate exactly at TotalSteps.
/// </summary>
public sealed record LearningRateSchedule(ScheduleKind Kind, float BaseRate, long WarmupSteps = 0, long StepSize = 0,
    float Gamma = 0.1f, long TotalSteps = 0, float MinRate = 0f)
{
    /// <summary>The names <see cref="ParseKind"/> accepts.</summary>
    public const string Names = "constant|step|cosine";

    /// <summary>The rate for the 1-based global <paramref name="step"/>.</summary>
    public float RateAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, 1L);
        if (WarmupSteps > 0 && step <= WarmupSteps)
            return (float)((double)BaseRate * step / WarmupSteps);
        long afterWarmup = step - WarmupSteps;
        switch (Kind)
        {
            case ScheduleKind.Step:
                long decays = StepSize > 0 ? (afterWarmup - 1) / StepSize : 0;
                return (float)(BaseRate * Math.Pow(Gamma, decays));
            case ScheduleKind.Cosine:
                long span = TotalSteps - WarmupSteps;
                double progress = span > 0 ? Math.Clamp((double)afterWarmup / span, 0.0, 1.0) : 1.0;
                return (float)(MinRate + ((double)BaseRate - MinRate) * 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
            default:
                return BaseRate;
        }
    }

    /// <summary>Parses "constant", "step" or "cosine" (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is none of those.</exception>
    public static ScheduleKind ParseKind(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "constant" => ScheduleKind.Constant,
            "step" => ScheduleKind.Step,
            "cosine" => ScheduleKind.Cosine,
            _ => throw new ArgumentException($"Unknown learning-rate schedule '{name}'; expected one of {Names}.", nameof(name)),
        };
    }

    /// <summary>Throws when the settings cannot describe a usable schedule.</summary>
    public void Validate()
    {
        if (!(BaseRate > 0f) || !float.IsFinite(BaseRate))
            throw new ArgumentOutOfRangeException(nameof(BaseRate), BaseRate, "The learning rate must be a positive finite number.");
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps);
        if (Kind == ScheduleKind.Step && StepSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "A step schedule needs StepSize > 0.");
        if (Kind == ScheduleKind.Step && !(Gamma > 0f && Gamma <= 1f))
            throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "Gamma must be in (0, 1].");
        if (Kind == ScheduleKind.Cosine && TotalSteps <= WarmupSteps)
            throw new ArgumentOutOfRangeException(nameof(TotalSteps), TotalSteps, "A cosine schedule needs TotalSteps > WarmupSteps.");
        if (!(MinRate >= 0f && MinRate <= BaseRate))
            throw new ArgumentOutOfRangeException(nameof(MinRate), MinRate, "MinRate must be in [0, BaseRate].");
    }
}
