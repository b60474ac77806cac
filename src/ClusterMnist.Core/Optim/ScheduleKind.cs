namespace ClusterMnist.Core.Optim;

/// <summary>How the learning rate decays after warm-up.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,

    /// <summary>Multiplied by Gamma every StepSize steps.</summary>
    Step,

    /// <summary>Half-cosine from the base rate to MinRate at TotalSteps.</summary>
    Cosine,
}
