namespace ClusterMnist.Core.Training;

/// <summary>A gradient or parameter became NaN or infinite; lower the learning rate.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception with a message naming where the non-finite value appeared.</summary>
    public TrainingDivergedException(string message) : base(message) { }

    /// <summary>Creates the exception with a default message.</summary>
    public TrainingDivergedException() : base("Training diverged: a gradient became NaN or infinite.") { }

    /// <summary>Creates the exception wrapping <paramref name="inner"/>.</summary>
    public TrainingDivergedException(string message, Exception inner) : base(message, inner) { }
}
