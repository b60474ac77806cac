namespace ClusterMnist.Cli.Hosting;

/// <summary>A failure whose message is already fit for the user; the CLI prints it as one line and exits with <see cref="ExitCode"/>.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.Failure)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public CliException(string message, Exception innerException, int exitCode = ExitCodes.Failure)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    public CliException()
        : this("The command failed.")
    {
    }

    public CliException(string message, Exception innerException)
        : this(message, innerException, ExitCodes.Failure)
    {
    }

    public int ExitCode { get; }

    /// <summary>A usage error: a bad option value the parser could not catch by itself.</summary>
    public static CliException Usage(string message) => new(message, ExitCodes.Usage);
}
