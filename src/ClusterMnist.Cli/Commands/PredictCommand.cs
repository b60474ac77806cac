using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>The `predict` command.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var command = new Command("predict", "Not built yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("predict: not built yet.");
            return 2;
        });
        return command;
    }
}
