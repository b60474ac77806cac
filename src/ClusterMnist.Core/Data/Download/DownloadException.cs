namespace ClusterMnist.Core.Data.Download;

/// <summary>
/// A file could not be fetched from any mirror; the message lists each mirror and why it failed, on one line (the
/// CLI's errors are one line each).
/// </summary>
public sealed class DownloadException : Exception
{
    /// <summary>Creates the exception; <paramref name="failures"/> holds one line per mirror tried.</summary>
    public DownloadException(string file, IReadOnlyList<string> failures)
        : base($"Could not download {file} from any mirror: {string.Join("; ", failures.Select(f => f.TrimEnd('.')))}.")
    {
        File = file;
        Failures = failures;
    }

    /// <summary>The file that could not be fetched.</summary>
    public string File { get; }

    /// <summary>One line per mirror: its address and what went wrong.</summary>
    public IReadOnlyList<string> Failures { get; }
}
