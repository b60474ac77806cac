namespace ClusterMnist.Core.Optim;

/// <summary>
/// Which optimizer to use and its hyper-parameters. <see cref="WeightDecay"/> is an L2 term added to the
/// gradient for every kind except <see cref="OptimizerKind.AdamW"/>, where it is decoupled from the moments.
/// </summary>
public sealed record OptimizerSpec(OptimizerKind Kind, float Momentum = 0.9f, float Beta1 = 0.9f, float Beta2 = 0.999f,
    float Epsilon = 1e-8f, float WeightDecay = 0f)
{
    /// <summary>The names <see cref="Parse"/> accepts, for help texts and messages.</summary>
    public const string Names = "sgd|momentum|nesterov|adam|adamw";

    /// <summary>Parses "sgd", "momentum", "nesterov", "adam" or "adamw" (case-insensitive) with default hyper-parameters.</summary>
    /// <exception cref="ArgumentException">The name is none of those.</exception>
    public static OptimizerSpec Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "sgd" => new OptimizerSpec(OptimizerKind.Sgd),
            "momentum" => new OptimizerSpec(OptimizerKind.Momentum),
            "nesterov" => new OptimizerSpec(OptimizerKind.Nesterov),
            "adam" => new OptimizerSpec(OptimizerKind.Adam),
            "adamw" => new OptimizerSpec(OptimizerKind.AdamW),
            _ => throw new ArgumentException($"Unknown optimizer '{name}'; expected one of {Names}.", nameof(name)),
        };
    }

    /// <summary>The canonical lowercase name that <see cref="Parse"/> reads back.</summary>
    public string Name => Kind switch
    {
        OptimizerKind.Sgd => "sgd",
        OptimizerKind.Momentum => "momentum",
        OptimizerKind.Nesterov => "nesterov",
        OptimizerKind.Adam => "adam",
        _ => "adamw",
    };

    /// <summary>Throws when a hyper-parameter is outside its meaningful range.</summary>
    public void Validate()
    {
        if (!(Momentum >= 0f && Momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, "Momentum must be in [0, 1).");
        if (!(Beta1 >= 0f && Beta1 < 1f))
            throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "Beta1 must be in [0, 1).");
        if (!(Beta2 >= 0f && Beta2 < 1f))
            throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "Beta2 must be in [0, 1).");
        if (!(Epsilon > 0f) || !float.IsFinite(Epsilon))
            throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Epsilon must be a positive finite number.");
        if (!(WeightDecay >= 0f) || !float.IsFinite(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay must be a non-negative finite number.");
    }
}
