using System.Diagnostics;
using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

/// <summary>Runs the built `clustermnist` as a real process: exit codes, stdout/stderr split, no stack traces.</summary>
public class ProcessTests
{
    private static async Task<CliRun> RunProcessAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "clustermnist.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CI"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Binary_PrintsHelp_AndExits0()
    {
        var run = await RunProcessAsync("--help");

        Assert.Equal(0, run.ExitCode);
        foreach (var command in new[] { "train", "evaluate", "predict", "download", "bench" })
        {
            Assert.Contains(command, run.Output);
        }
    }

    [Fact]
    public async Task Binary_Exits2WithOneLine_WhenDatasetIsUnknown()
    {
        var run = await RunProcessAsync("train", "--dataset", "cifar10");

        run.AssertCleanFailure(2, "cifar10");
    }

    [Fact]
    public async Task Binary_Exits1WithOneLine_WhenCheckpointIsMissing()
    {
        var run = await RunProcessAsync("predict", "--model", "/nonexistent/model.ckpt", "digit.png");

        run.AssertCleanFailure(1, "/nonexistent/model.ckpt");
    }

    [Fact]
    public async Task Binary_TrainJson_LastLineIsOneJsonObject()
    {
        using var data = new TinyDataset(trainCount: 200, testCount: 100);

        var run = await RunProcessAsync(TinyModelFixture.TrainArgs(data.Root, epochs: 1, extra: "--json"));

        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.LastOutputLine);
        Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        Assert.Equal(1, json.RootElement.GetProperty("epochs").GetInt32());
    }
}
