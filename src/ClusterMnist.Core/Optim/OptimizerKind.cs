namespace ClusterMnist.Core.Optim;

/// <summary>The update rules the trainer can apply.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent.</summary>
    Sgd,

    /// <summary>Heavy-ball momentum: v = μv + g; θ −= lr·v.</summary>
    Momentum,

    /// <summary>Nesterov momentum: v = μv + g; θ −= lr·(g + μv).</summary>
    Nesterov,

    /// <summary>Adam with bias correction; weight decay as L2 added to the gradient.</summary>
    Adam,

    /// <summary>Adam with decoupled weight decay (Loshchilov and Hutter).</summary>
    AdamW,
}
