using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`coordinator`: runs the cluster's coordinator, web page and HTTP API on one port; workers join over /cluster.</summary>
internal static class CoordinatorCommand
{
    public static Command Create()
    {
        var options = new CoordinatorCommandOptions();
        var command = new Command(
            "coordinator",
            "Coordinate training across `clustermnist worker` processes and serve the web page, /api/predict and /api/status on the same port.");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) =>
        {
            var settings = options.Read(parseResult, Directory.GetCurrentDirectory(), Environment.GetEnvironmentVariables());
            return CoordinatorRun.ExecuteAsync(parseResult, settings, cancellationToken);
        });
        return command;
    }
}
