using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`worker`: joins a coordinator's cluster and computes its gradient shards until the run ends, it is asked to leave, or it is cut off.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var options = new WorkerCommandOptions();
        var command = new Command(
            "worker",
            "Join a coordinator's cluster and compute its gradient shards. Leaves cleanly on SIGTERM (exit 0); cut off from the coordinator or downed, it exits 1 for its supervisor to restart it.");
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
