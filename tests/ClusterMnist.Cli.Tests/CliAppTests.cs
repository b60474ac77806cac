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

    [Fact]
    public async Task CoordinatorHelp_SaysWhatInsecureAndJsonReallyDo()
    {
        var run = await CliRunner.RunAsync("coordinator", "--help");

        Assert.Equal(0, run.ExitCode);
        // --insecure moves only the cluster's listeners to loopback; the HTTP API stays on --bind (0.0.0.0 by default).
        Assert.Contains("the HTTP API still follows --bind", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("binds 127.0.0.1", run.Output, StringComparison.Ordinal);
        // A serving coordinator prints its JSON line after training and goes on logging: not "the end of the output".
        Assert.Contains("Print one JSON line once training has finished", run.Output, StringComparison.Ordinal);
        Assert.Contains("else Cluster:Cert in the settings file", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainHelp_KeepsItsOwnJsonDescription()
    {
        var run = await CliRunner.RunAsync("train", "--help");

        Assert.Contains("End the output with one JSON line", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train", "--checkpoint")]
    [InlineData("train", "--plot")]
    [InlineData("coordinator", "--checkpoint-dir")]
    [InlineData("export", "--onnx")]
    [InlineData("download", "--dir")]
    [InlineData("cert", "--out")]
    public async Task EveryOutputOption_SaysItsFolderIsCreated(string command, string flag)
    {
        var run = await CliRunner.RunAsync(command, "--help");

        string line = run.OutputLines.Single(l => l.StartsWith(flag + " ", StringComparison.Ordinal));
        Assert.Matches("created if missing", line);
    }

    [Fact]
    public async Task WorkerHelp_SaysTheReadyFilesFolderIsCreated_AndWhereInsecureListens()
    {
        var run = await CliRunner.RunAsync("worker", "--help");

        Assert.Contains("Create FILE (and its folder, if missing)", run.Output, StringComparison.Ordinal);
        Assert.Contains("the Akka port listens on 127.0.0.1 (::1 for an IPv6 coordinator)", run.Output, StringComparison.Ordinal);
    }
}
