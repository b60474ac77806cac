using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>The `download` command.</summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var command = new Command("download", "Not built yet.");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("download: not built yet.");
            return 2;
        });
        return command;
    }
}
