namespace ClusterMnist.Core.Data;

/// <summary>
/// A data file is missing, malformed or inconsistent. The message names the file and the problem, so that it can be
/// shown to a user as it is.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>; <paramref name="problem"/> says what is wrong.</summary>
    public DataFormatException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
    }

    /// <summary>Creates the exception for <paramref name="path"/> with the cause that revealed the problem.</summary>
    public DataFormatException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
    }

    /// <summary>The file (or folder, for missing data) the problem was found in.</summary>
    public string Path { get; }
}
