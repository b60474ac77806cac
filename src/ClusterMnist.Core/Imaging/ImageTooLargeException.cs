namespace ClusterMnist.Core.Imaging;

/// <summary>
/// An image is refused for its size before (or while) it is decoded: its header declares more pixels than the budget,
/// or decoding it would need more memory than the budget allows. A server answers 413 for it.
/// </summary>
public sealed class ImageTooLargeException : ImageFormatException
{
    /// <summary>Creates the exception for <paramref name="source"/>; <paramref name="problem"/> says what is too large.</summary>
    public ImageTooLargeException(string source, string problem)
        : base(source, problem)
    {
    }

    /// <summary>Creates the exception with the cause that revealed the problem.</summary>
    public ImageTooLargeException(string source, string problem, Exception innerException)
        : base(source, problem, innerException)
    {
    }
}
