using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cli.Commands;

/// <summary>Loads a data set, downloading it first when its files are not there yet.</summary>
internal static class DatasetLoader
{
    public static Task<DataSplit> LoadAsync(CliConsole console, string dataRoot, DatasetKind kind, CancellationToken cancellationToken) =>
        LoadAsync(console, dataRoot, kind, DatasetCatalog.Load, cancellationToken);

    /// <summary>Only the test set (and its name): evaluating needs neither the training files nor their download.</summary>
    public static async Task<(ImageSet Test, string Name)> LoadTestAsync(CliConsole console, string dataRoot, DatasetKind kind, CancellationToken cancellationToken) =>
        (await LoadAsync(console, dataRoot, kind, DatasetCatalog.LoadTest, cancellationToken).ConfigureAwait(false), DatasetCatalog.NameOf(kind));

    private static async Task<T> LoadAsync<T>(
        CliConsole console, string dataRoot, DatasetKind kind, Func<string, DatasetKind, T> load, CancellationToken cancellationToken)
    {
        var directory = DatasetCatalog.DirectoryFor(dataRoot, kind);
        try
        {
            return load(dataRoot, kind);
        }
        catch (DataFormatException missing) when (missing.Path == directory)
        {
            // Missing files are reported against the folder; malformed ones name the file and are not retried.
            await console.Out.WriteLineAsync($"Data set not found in {directory}; downloading it.").ConfigureAwait(false);
        }

        await DownloadProgressView.EnsureAsync(console, dataRoot, kind, cancellationToken).ConfigureAwait(false);
        return load(dataRoot, kind);
    }
}
