using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>The `train` command.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Not built yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("train: not built yet.");
            return 2;
        });
        return command;
    }
}
