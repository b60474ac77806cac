using System.CommandLine;
using ClusterMnist.Cli.Commands;

var root = new RootCommand("ClusterMnist: data-parallel MNIST training on a SIMD engine.")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    DownloadCommand.Create(),
    BenchCommand.Create(),
};

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
