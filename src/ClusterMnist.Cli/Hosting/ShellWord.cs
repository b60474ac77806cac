namespace ClusterMnist.Cli.Hosting;

/// <summary>Quotes a value for a command line the user may copy and paste into a POSIX shell.</summary>
internal static class ShellWord
{
    /// <summary><paramref name="value"/> as is when the shell reads it unchanged, else in single quotes.</summary>
    public static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "_-./:=@%+,".Contains(c))
            ? value
            : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
