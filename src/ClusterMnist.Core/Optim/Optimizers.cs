namespace ClusterMnist.Core.Optim;

/// <summary>Creates the <see cref="IOptimizer"/> for an <see cref="OptimizerSpec"/>.</summary>
public static class Optimizers
{
    /// <summary>Returns the optimizer described by <paramref name="spec"/> after validating it.</summary>
    public static IOptimizer Create(OptimizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return spec.Kind switch
        {
            OptimizerKind.Sgd => new SgdOptimizer(spec.WeightDecay),
            OptimizerKind.Momentum => new MomentumOptimizer(spec.Momentum, spec.WeightDecay, nesterov: false),
            OptimizerKind.Nesterov => new MomentumOptimizer(spec.Momentum, spec.WeightDecay, nesterov: true),
            OptimizerKind.Adam => new AdamOptimizer(spec.Beta1, spec.Beta2, spec.Epsilon, spec.WeightDecay, decoupled: false),
            OptimizerKind.AdamW => new AdamOptimizer(spec.Beta1, spec.Beta2, spec.Epsilon, spec.WeightDecay, decoupled: true),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown optimizer kind."),
        };
    }

    internal static void CheckLengths(int parameters, int gradient, int state, int expectedState)
    {
        if (gradient != parameters)
            throw new ArgumentException($"Gradient has {gradient} elements but there are {parameters} parameters.");
        if (state != expectedState)
            throw new ArgumentException($"Optimizer state has {state} floats; expected {expectedState}.");
    }
}
