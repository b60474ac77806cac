namespace ClusterMnist.Cli.Tests;

public sealed class CommandRegistrationTests
{
    [Fact]
    public async Task RootHelp_ListsTheClusterCommands()
    {
        var run = await CliRunner.RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "coordinator", "worker", "health" })
        {
            Assert.Contains(run.OutputLines, line => line.StartsWith(command + " ", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("coordinator", "--min-workers", "0", "--min-workers")]
    [InlineData("coordinator", "--port", "70000", "--port")]
    [InlineData("coordinator", "--scale-at", "3", "--scale-at")]
    [InlineData("coordinator", "--scale-at", "2:0", "--scale-at")]
    [InlineData("worker", "--threads", "0", "--threads")]
    [InlineData("worker", "--cluster-port", "70000", "--cluster-port")]
    public async Task BadFlag_Exits2WithOneLine(string command, string flag, string value, string fragment)
    {
        var run = await CliRunner.RunAsync(command, flag, value, "--insecure");

        run.AssertCleanFailure(2, fragment);
    }

    [Fact]
    public async Task Worker_Exits2_WhenCoordinatorIsNotHostAndPort()
    {
        var run = await CliRunner.RunAsync("worker", "--coordinator", "http://coordinator:8080", "--insecure");

        run.AssertCleanFailure(2, "--coordinator");
    }
}
