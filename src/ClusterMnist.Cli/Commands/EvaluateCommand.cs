using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>The `evaluate` command.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var command = new Command("evaluate", "Not built yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("evaluate: not built yet.");
            return 2;
        });
        return command;
    }
}
