namespace ClusterMnist.Core.Model;

/// <summary>The non-linearity applied after every hidden dense layer.</summary>
public enum Activation
{
    /// <summary>max(0, x).</summary>
    Relu,

    /// <summary>x for x &gt; 0, else eˣ − 1 (α = 1).</summary>
    Elu,

    /// <summary>1 / (1 + e⁻ˣ).</summary>
    Sigmoid,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
}
