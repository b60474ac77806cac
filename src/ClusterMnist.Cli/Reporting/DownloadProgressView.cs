using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Data.Download;
using Spectre.Console;

namespace ClusterMnist.Cli.Reporting;

/// <summary>Runs <see cref="DatasetDownloader"/> with a bar per file, or plain lines when not on a terminal.</summary>
internal static class DownloadProgressView
{
    public static Task EnsureAsync(CliConsole console, string dataRoot, DatasetKind kind, CancellationToken cancellationToken) =>
        console.Interactive
            ? LiveAsync(console, dataRoot, kind, cancellationToken)
            : PlainAsync(console, dataRoot, kind, cancellationToken);

    private static DownloadOptions Options(CliConsole console) => new()
    {
        MirrorFailed = failure => console.Error.WriteLine($"warning: {failure.Address} failed for {failure.File}: {failure.Reason}"),
    };

    private static async Task LiveAsync(CliConsole console, string dataRoot, DatasetKind kind, CancellationToken cancellationToken)
    {
        await console.Ansi.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SyncProgress<DownloadProgress>(report =>
                {
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(report.File, out var task))
                        {
                            task = context.AddTask(Markup.Escape(report.File), maxValue: Math.Max(1, report.TotalBytes ?? report.BytesReceived));
                            tasks.Add(report.File, task);
                        }

                        task.MaxValue = Math.Max(1, report.TotalBytes ?? Math.Max(task.MaxValue, report.BytesReceived));
                        task.Value = report.BytesReceived;
                    }
                });
                await DatasetDownloader.EnsureAsync(dataRoot, kind, null, progress, Options(console), cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private static async Task PlainAsync(CliConsole console, string dataRoot, DatasetKind kind, CancellationToken cancellationToken)
    {
        var announced = new HashSet<string>();
        var finished = new HashSet<string>();
        var progress = new SyncProgress<DownloadProgress>(report =>
        {
            lock (announced)
            {
                if (report.Mirror.IsFile)
                {
                    console.Out.WriteLine($"  {report.File}: already present");
                    finished.Add(report.File);
                    return;
                }

                if (announced.Add(report.File))
                {
                    console.Out.WriteLine($"  {report.File}: downloading from {report.Mirror}");
                }

                if (report.TotalBytes is { } total && report.BytesReceived >= total && finished.Add(report.File))
                {
                    console.Out.WriteLine($"  {report.File}: {total:N0} bytes, verified");
                }
            }
        });
        await DatasetDownloader.EnsureAsync(dataRoot, kind, null, progress, Options(console), cancellationToken).ConfigureAwait(false);
    }
}
