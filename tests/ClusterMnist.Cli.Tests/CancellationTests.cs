using System.Text;
using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

public class CancellationTests : IDisposable
{
    private readonly TinyDataset _data = new(trainCount: 300, testCount: 100);

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Train_StopsWithExit130AndResumeHint_WhenCancelled_AndResumeMatchesUninterruptedRun()
    {
        var checkpoint = _data.File("cancelled.ckpt");
        using var cancellation = new CancellationTokenSource();
        using var output = new CancellingWriter("epoch 1/4", cancellation);
        using var error = new StringWriter();

        var exitCode = await CliApp.RunAsync(
            TinyModelFixture.TrainArgs(_data.Root, epochs: 4, extra: ["--checkpoint", checkpoint]), output, error, cancellation.Token);

        var cancelled = new CliRun(exitCode, output.ToString(), error.ToString());
        cancelled.AssertCleanFailure(130, $"--resume {checkpoint}");
        Assert.DoesNotContain("epoch 2/4", cancelled.Output);

        var resumed = await CliRunner.RunAsync("train", "--data", _data.Root, "--resume", checkpoint, "--json");
        var uninterrupted = await CliRunner.RunAsync(TinyModelFixture.TrainArgs(_data.Root, epochs: 4, extra: "--json"));

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("epoch 2/4", resumed.Output);
        Assert.DoesNotContain("epoch 1/4", resumed.Output);
        Assert.Equal(
            JsonDocument.Parse(uninterrupted.LastOutputLine).RootElement.GetProperty("param_sha256").GetString(),
            JsonDocument.Parse(resumed.LastOutputLine).RootElement.GetProperty("param_sha256").GetString());
    }
}
