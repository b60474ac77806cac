using System.CommandLine;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Data.Download;
using Spectre.Console;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// The `download` command: fetches and verifies the IDX files of MNIST or Fashion-MNIST, showing a progress bar on a
/// terminal and plain lines when the output is redirected.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "Data set to fetch: mnist, fashion, or digits-split (only the two MNIST test files it needs).",
            DefaultValueFactory = _ => "mnist",
        };
        dataset.AcceptOnlyFromAmong("mnist", "fashion", "digits-split");
        var directory = new Option<string>("--dir")
        {
            HelpName = "DIR",
            Description = "Data root, created if missing; files go to DIR/mnist or DIR/fashion-mnist. Default: $CLUSTERMNIST_DATA, else ~/.clustermnist/data.",
            DefaultValueFactory = _ => DatasetCatalog.DefaultDataDirectory,
        };
        var mirrors = new Option<string[]>("--mirror")
        {
            HelpName = "URL",
            Description = "Base URL of a mirror to try, in order (repeatable). Default: the usual public mirrors.",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("download", "Download and verify MNIST or Fashion-MNIST (SHA-256 checked, written atomically).")
        {
            dataset,
            directory,
            mirrors,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            DatasetKind kind = DatasetCatalog.Parse(parseResult.GetValue(dataset)!);
            string root = parseResult.GetValue(directory)!;
            if (File.Exists(root))
            {
                await error.WriteLineAsync($"error: --dir '{root}' is a file; give the data root folder (files go to DIR/mnist or DIR/fashion-mnist).").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (!TryParseMirrors(parseResult.GetValue(mirrors), error, out IReadOnlyList<Uri>? mirrorList))
            {
                return ExitCodes.Usage;
            }

            // Created if missing, as every command's output folder; a file in its way is an error naming --dir.
            OutputFile.EnsureFolder("--dir", root);

            var options = new DownloadOptions
            {
                MirrorFailed = f => error.WriteLine($"warning: {f.Address} failed: {f.Reason}"),
            };
            try
            {
                bool interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
                if (interactive)
                {
                    await DownloadWithProgressBarAsync(root, kind, mirrorList, options, ct).ConfigureAwait(false);
                }
                else
                {
                    var progress = new PlainProgress(output);
                    await DatasetDownloader.EnsureAsync(root, kind, mirrorList, progress, options, ct).ConfigureAwait(false);
                }

                await output.WriteLineAsync(
                    $"{parseResult.GetValue(dataset)}: all files present and verified in {DatasetCatalog.DirectoryFor(root, kind)}")
                    .ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (DownloadException e)
            {
                await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"error: cannot write to {root}: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException)
            {
                await error.WriteLineAsync("error: download cancelled; no partial files were kept.").ConfigureAwait(false);
                return ExitCodes.Cancelled;
            }
        });
        return command;
    }

    private static bool TryParseMirrors(string[]? values, TextWriter error, out IReadOnlyList<Uri>? mirrors)
    {
        mirrors = null;
        if (values is not { Length: > 0 })
        {
            return true;
        }

        var list = new List<Uri>();
        foreach (string value in values)
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                error.WriteLine($"error: --mirror '{value}' is not an http:// or https:// URL.");
                return false;
            }

            list.Add(uri);
        }

        mirrors = list;
        return true;
    }

    private static Task DownloadWithProgressBarAsync(
        string root, DatasetKind kind, IReadOnlyList<Uri>? mirrors, DownloadOptions options, CancellationToken ct) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn())
            .StartAsync(context =>
                DatasetDownloader.EnsureAsync(root, kind, mirrors, new BarProgress(context), options, ct));

    /// <summary>One bar per file; reports arrive on the downloading thread, and Spectre's tasks are thread-safe.</summary>
    private sealed class BarProgress(ProgressContext context) : IProgress<DownloadProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(DownloadProgress value)
        {
            if (!_tasks.TryGetValue(value.File, out ProgressTask? task))
            {
                task = context.AddTask(Markup.Escape(value.File), maxValue: Math.Max(1, value.TotalBytes ?? 1));
                _tasks[value.File] = task;
            }

            if (value.Mirror.IsFile)
            {
                task.Description = Markup.Escape($"{value.File} (already present)");
            }

            task.MaxValue = Math.Max(1, value.TotalBytes ?? Math.Max(task.MaxValue, value.BytesReceived));
            task.Value = value.BytesReceived;
        }
    }

    /// <summary>Plain lines for logs: one when a file starts from a mirror, one when it has arrived.</summary>
    private sealed class PlainProgress(TextWriter output) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            if (value.Mirror.IsFile)
            {
                output.WriteLine($"{value.File}: already present and verified.");
            }
            else if (value.BytesReceived == 0)
            {
                string size = value.TotalBytes is { } total ? $" ({total:N0} bytes)" : "";
                output.WriteLine($"{value.File}: downloading from {value.Mirror}{size}");
            }
            else if (value.BytesReceived == value.TotalBytes)
            {
                output.WriteLine($"{value.File}: received {value.BytesReceived:N0} bytes, verifying.");
            }
        }
    }
}
