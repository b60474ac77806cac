namespace ClusterMnist.Core.Imaging;

/// <summary>An image cannot be read: missing, not a supported format, corrupt, too large, or blank.</summary>
public class ImageFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/>; <paramref name="problem"/> says what is wrong.</summary>
    public ImageFormatException(string source, string problem)
        : base($"{source}: {problem}")
    {
        Path = source;
    }

    /// <summary>Creates the exception with the cause that revealed the problem.</summary>
    public ImageFormatException(string source, string problem, Exception innerException)
        : base($"{source}: {problem}", innerException)
    {
        Path = source;
    }

    /// <summary>The file (or a description of the upload) that could not be read.</summary>
    public string Path { get; }
}
