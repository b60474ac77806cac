namespace ClusterMnist.Cli.Tests;

/// <summary>Runs `clustermnist` in-process, capturing what it writes.</summary>
internal static class CliRunner
{
    public static async Task<CliRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApp.RunAsync(args, output, error);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string LastOutputLine => OutputLines.Length == 0 ? string.Empty : OutputLines[^1];

    /// <summary>Asserts the failure contract: non-zero exit, exactly one line on stderr, no stack trace.</summary>
    public void AssertCleanFailure(int expectedExitCode, string expectedFragment)
    {
        Assert.Equal(expectedExitCode, ExitCode);
        var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{Error}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expectedFragment, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", Error);
    }
}
