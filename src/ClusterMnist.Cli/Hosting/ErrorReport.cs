namespace ClusterMnist.Cli.Hosting;

/// <summary>Turns any exception into the one line the user sees and the exit code, so no stack trace ever reaches the terminal.</summary>
internal static class ErrorReport
{
    public static (string Message, int ExitCode) Describe(Exception exception) => exception switch
    {
        CliException cli => (cli.Message, cli.ExitCode),
        OperationCanceledException => ("cancelled.", ExitCodes.Cancelled),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
        FileNotFoundException notFound when notFound.FileName is not null => ($"file not found: {notFound.FileName}", ExitCodes.Failure),
        DirectoryNotFoundException or FileNotFoundException or IOException or UnauthorizedAccessException
            or FormatException or ArgumentException or InvalidDataException or InvalidOperationException
            or HttpRequestException => (OneLine(exception.Message), ExitCodes.Failure),

        // The engine's own exceptions (data format, image format, checkpoint) already name the file and the problem.
        _ when exception.GetType().Namespace?.StartsWith("ClusterMnist", StringComparison.Ordinal) == true
            => (OneLine(exception.Message), ExitCodes.Failure),
        _ => ($"{exception.GetType().Name}: {OneLine(exception.Message)}", ExitCodes.Failure),
    };

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
