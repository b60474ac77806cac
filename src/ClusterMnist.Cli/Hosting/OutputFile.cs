namespace ClusterMnist.Cli.Hosting;

/// <summary>
/// Checks, before any work, that a file a command writes only later (a plot at the end of training, a checkpoint at
/// the first epoch end) can be written there: not a folder, and in a folder this process may create files in. A run of
/// many minutes that fails at its last line over a bad path has lost the work and its summary.
/// </summary>
internal static class OutputFile
{
    /// <summary>Refuses <paramref name="path"/>, given with <paramref name="flag"/>, when no file can be written there.</summary>
    /// <param name="flag">The option that named the file, for the message.</param>
    /// <param name="path">The file to be written later.</param>
    /// <param name="example">A file name to suggest when the path is a folder, e.g. "run.svg".</param>
    /// <exception cref="CliException">Exit 2 for a folder; exit 1 when the folder cannot be created or written.</exception>
    public static void EnsureWritable(string flag, string path, string example)
    {
        if (Directory.Exists(path))
        {
            throw CliException.Usage($"{flag} '{path}' is a folder; give a file name, e.g. {Path.Combine(path, example)}.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            // As the writers do: a missing folder is created.
            Directory.CreateDirectory(folder);
            // A probe beside the target, never the target itself: an existing file there stays intact until the real write.
            using var probe = new FileStream(
                Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.probe"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException($"{flag} '{path}': cannot write in the folder '{folder}': permission denied.", e);
        }
        catch (IOException e)
        {
            throw new CliException($"{flag} '{path}': cannot write in the folder '{folder}': {e.Message}", e);
        }
    }

    /// <summary>Whether two paths name the same file (after making them absolute).</summary>
    public static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
}
