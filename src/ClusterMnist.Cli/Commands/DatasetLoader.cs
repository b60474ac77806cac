using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cli.Commands;

/// <summary>Loads a data set, downloading it first when its files are not there yet.</summary>
internal static class DatasetLoader
{
    public static async Task<DataSplit> LoadAsync(CliConsole console, string dataRoot, DatasetKind kind, CancellationToken cancellationToken)
    {
        var directory = DatasetCatalog.DirectoryFor(dataRoot, kind);
        try
        {
            return DatasetCatalog.Load(dataRoot, kind);
        }
        catch (DataFormatException missing) when (missing.Path == directory)
        {
            // Missing files are reported against the folder; malformed ones name the file and are not retried.
            await console.Out.WriteLineAsync($"Data set not found in {directory}; downloading it.").ConfigureAwait(false);
        }

        await DownloadProgressView.EnsureAsync(console, dataRoot, kind, cancellationToken).ConfigureAwait(false);
        return DatasetCatalog.Load(dataRoot, kind);
    }
}
