using System.CommandLine;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>Runs `train` once its settings are known. Temporary until the trainer lands on main.</summary>
internal static class TrainRun
{
    public static Task<int> ExecuteAsync(ParseResult parseResult, TrainSettings settings, CancellationToken cancellationToken) =>
        throw new CliException("train: the training engine has not been merged yet.");
}
