using System.Text.Json;

namespace ClusterMnist.Cli.Tests;

/// <summary>Trains a small network on <see cref="TinyDataset"/> once, through the real `train` command, for the tests that need a checkpoint.</summary>
public sealed class TinyModelFixture : IAsyncLifetime
{
    internal TinyDataset Data { get; } = new();

    public string CheckpointPath => Data.File("tiny.ckpt");

    public string PlotPath => Data.File("plots/tiny.svg");

    internal CliRun Run { get; private set; } = null!;

    public JsonElement Summary { get; private set; }

    public static string[] TrainArgs(string dataRoot, int epochs = 3, int workers = 2, params string[] extra) =>
    [
        "train", "--data", dataRoot, "--dataset", "mnist", "--model", "784-32-10", "--optimizer", "adam", "--lr", "0.01",
        "--batch", "50", "--epochs", $"{epochs}", "--workers", $"{workers}", "--seed", "5", .. extra,
    ];

    public async Task InitializeAsync()
    {
        Run = await CliRunner.RunAsync(TrainArgs(Data.Root, extra: ["--checkpoint", CheckpointPath, "--plot", PlotPath, "--json"]));
        Assert.True(Run.ExitCode == 0, $"train failed ({Run.ExitCode}):\n{Run.Error}\n{Run.Output}");
        Summary = JsonDocument.Parse(Run.LastOutputLine).RootElement.Clone();
    }

    public Task DisposeAsync()
    {
        Data.Dispose();
        return Task.CompletedTask;
    }
}
