namespace ClusterMnist.Cli.Hosting;

/// <summary>
/// The one rule for every file or folder a command writes (train's checkpoint and plot, export's ONNX file, cert's
/// PFX, download's data root, the coordinator's checkpoint folder, a worker's ready file): missing folders on the way
/// are created, and a path that cannot be used (a file where a folder should be) is one error line naming the flag,
/// exit 1. Files written only later (a plot at the end of training, a checkpoint at the first epoch end) are checked
/// before any work: a run of many minutes that fails at its last line over a bad path has lost the work and its summary.
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

        EnsureFolder(flag, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Creates the folder <paramref name="folder"/> named by <paramref name="flag"/> if missing, and checks that files can be written in it.</summary>
    /// <exception cref="CliException">Exit 1 when the folder cannot be created or written.</exception>
    public static void EnsureFolder(string flag, string folder) => EnsureFolder(flag, folder, Path.GetFullPath(folder));

    /// <summary>Creates the folder that will hold <paramref name="path"/> (given with <paramref name="flag"/>) if it is missing.</summary>
    /// <exception cref="CliException">Exit 1 when it cannot be created, e.g. a file stands where one of its folders should be.</exception>
    public static void CreateFolderFor(string flag, string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable(flag, path, folder, e);
        }
    }

    /// <summary>Whether two paths name the same file (after making them absolute).</summary>
    public static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    private static void EnsureFolder(string flag, string path, string folder)
    {
        try
        {
            // As the writers do: a missing folder is created.
            Directory.CreateDirectory(folder);
            // A probe beside the target, never the target itself: an existing file there stays intact until the real write.
            using var probe = new FileStream(
                Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.probe"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable(flag, path, folder, e);
        }
    }

    private static CliException Unusable(string flag, string path, string folder, Exception e)
    {
        // The system's message for a file in the way ("The file '/a/b' already exists") reads like a collision; say what it is.
        string reason = FileInTheWay(folder) is { } file ? $"'{file}' is a file, not a folder"
            : e is UnauthorizedAccessException ? "permission denied"
            : e.Message.TrimEnd('.');
        return new CliException($"{flag} '{path}': cannot write in the folder '{folder}': {reason}.", e);
    }

    // The nearest existing path at or above the folder, when it is a file.
    private static string? FileInTheWay(string folder)
    {
        for (string? current = folder; current is not null; current = Path.GetDirectoryName(current))
        {
            if (File.Exists(current))
                return current;
            if (Directory.Exists(current))
                return null;
        }

        return null;
    }
}
