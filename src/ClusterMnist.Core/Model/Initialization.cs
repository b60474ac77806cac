namespace ClusterMnist.Core.Model;

/// <summary>How <see cref="Network.Initialize"/> draws the starting parameters.</summary>
public enum Initialization
{
    /// <summary>He/Kaiming: weights N(0, 2/fan_in), biases zero. Suits ReLU and ELU.</summary>
    He,

    /// <summary>Xavier/Glorot: weights U(±√(6/(fan_in + fan_out))), biases zero. Suits sigmoid and tanh.</summary>
    Xavier,

    /// <summary>Weights and biases U(−0.5, 0.5), as the classic beginner tutorial does.</summary>
    Uniform,
}
