using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

public class BenchTrainTests
{
    [Fact]
    public async Task BenchTrain_PrintsSamplesPerSecond_AsJson()
    {
        var run = await CliRunner.RunAsync("bench", "train", "--model", "784-32-10", "--batch", "64", "--steps", "3", "--workers", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        var line = JsonDocument.Parse(run.LastOutputLine).RootElement;
        Assert.Equal(3, line.GetProperty("steps").GetInt32());
        Assert.True(line.GetProperty("samples_per_second").GetDouble() > 0);
    }
}
