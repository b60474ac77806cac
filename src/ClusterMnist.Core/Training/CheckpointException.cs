namespace ClusterMnist.Core.Training;

/// <summary>A checkpoint is missing, damaged, from an unsupported version, or does not match the run.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public CheckpointException(string path, string message) : base($"Checkpoint '{path}': {message}") => Path = path;

    /// <summary>Creates the exception for <paramref name="path"/> wrapping <paramref name="inner"/>.</summary>
    public CheckpointException(string path, string message, Exception inner) : base($"Checkpoint '{path}': {message}", inner) => Path = path;

    /// <summary>Creates the exception without a file.</summary>
    public CheckpointException() : base("Invalid checkpoint.") => Path = "";

    /// <summary>Creates the exception without a file.</summary>
    public CheckpointException(string message) : base(message) => Path = "";

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }
}
