using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>The `bench` command.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Not built yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("bench: not built yet.");
            return 2;
        });
        return command;
    }
}
