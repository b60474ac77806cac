namespace ClusterMnist.Core.Model;

/// <summary>What <see cref="Network.ComputeGradient"/> reports besides the gradient itself.</summary>
/// <param name="LossSum">Sum of the per-sample losses (not divided by anything).</param>
/// <param name="Correct">How many samples the network's arg-max prediction got right.</param>
public readonly record struct GradientResult(double LossSum, int Correct);
