using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`train`: trains a network on one data set on this machine, with live progress, a summary table and optional plot/JSON.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var options = new TrainCommandOptions();
        var command = new Command("train", "Train a network on MNIST, Fashion-MNIST or digits-split on this machine (downloads the data if missing).");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) => TrainRun.ExecuteAsync(parseResult, options.Read(parseResult), cancellationToken));
        return command;
    }
}
