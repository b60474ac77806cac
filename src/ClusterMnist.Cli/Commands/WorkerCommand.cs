using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`worker`: computes gradient shards for a coordinator, reconnecting and rejoining whenever it is away.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var options = new WorkerCommandOptions();
        var command = new Command(
            "worker",
            "Join a coordinator's cluster and compute its gradient shards; reconnects with backoff, and leaves cleanly on SIGTERM.");
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) =>
        {
            var settings = options.Read(parseResult, Directory.GetCurrentDirectory(), Environment.GetEnvironmentVariables());
            return WorkerRun.ExecuteAsync(parseResult, settings, cancellationToken);
        });
        return command;
    }
}
