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
    [InlineData("worker", "--threads", "0", "--threads")]
    [InlineData("worker", "--dataset", "cifar10", "cifar10")]
    public async Task BadFlag_Exits2WithOneLine(string command, string flag, string value, string fragment)
    {
        var run = await CliRunner.RunAsync(command, flag, value, "--token", "t");

        run.AssertCleanFailure(2, fragment);
    }

    [Fact]
    public async Task Worker_Exits2_WhenCoordinatorIsNotAnHttpAddress()
    {
        var run = await CliRunner.RunAsync("worker", "--coordinator", "coordinator:8080", "--token", "t");

        run.AssertCleanFailure(2, "--coordinator");
    }
}
