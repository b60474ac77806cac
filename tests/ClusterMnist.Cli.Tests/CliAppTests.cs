namespace ClusterMnist.Cli.Tests;

public class CliAppTests
{
    [Theory]
    [InlineData("cifar", "train", "--dataset", "cifar")]
    [InlineData("--epochs", "train", "--epochs", "0")]
    [InlineData("frobnicate", "frobnicate")]
    [InlineData("--nope", "train", "--nope")]
    public async Task RunAsync_PrintsOneLineAndExits2_WhenUsageIsWrong(string fragment, params string[] args)
    {
        var run = await CliRunner.RunAsync(args);

        run.AssertCleanFailure(2, fragment);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task RunAsync_PrintsHelp_WhenAsked()
    {
        var run = await CliRunner.RunAsync("train", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--preset", run.Output);
        Assert.Contains("--workers", run.Output);
    }
}
