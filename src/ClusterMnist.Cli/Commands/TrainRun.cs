using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>Runs `train` once its settings are known: data, trainer, progress, summary, plot, checkpoint, JSON.</summary>
internal static class TrainRun
{
    public static async Task<int> ExecuteAsync(ParseResult parseResult, TrainSettings settings, CancellationToken cancellationToken)
    {
        var console = CliConsole.From(parseResult);
        var dataRoot = settings.DataRoot ?? DatasetCatalog.DefaultDataDirectory;
        var checkpointFlag = settings.ResumePath is null ? "--checkpoint" : "--resume";
        var checkpointPath = settings.ResumePath ?? settings.CheckpointPath;
        CheckpointGuard.EnsureNotOverwritten(settings.CheckpointPath, settings.ResumePath is not null, settings.OverwriteCheckpoint, $"--resume {ShellWord.Quote(checkpointPath ?? "FILE")}");
        RefuseOneFileForTwo(checkpointFlag, checkpointPath, settings.PlotPath);
        if (settings.ResumePath is { } resuming && !File.Exists(resuming))
        {
            // Before the data set is loaded (or downloaded) for a run that cannot start.
            throw new CliException(Directory.Exists(resuming)
                ? $"cannot resume: '{resuming}' is a folder; give the checkpoint file written by --checkpoint."
                : $"cannot resume: the checkpoint '{resuming}' does not exist.");
        }

        if (settings.ResumePath is { } resumed)
        {
            settings = WithRecordedDataset(settings, resumed);
        }

        var kind = DatasetCatalog.Parse(settings.Dataset);

        // Files written only once training has run (the checkpoint at the first epoch end, the plot at the end) are
        // checked now, not after the work.
        if (checkpointPath is not null)
        {
            OutputFile.EnsureWritable(checkpointFlag, checkpointPath, "run.ckpt");
        }

        if (settings.PlotPath is not null)
        {
            OutputFile.EnsureWritable("--plot", settings.PlotPath, "run.svg");
        }

        // A bad --model should fail before a download starts, not after.
        _ = TrainingOptionsFactory.Model(settings);
        // The run's code compiles on the other core while the data loads.
        await using var warmUp = StepWarmUp.Start(settings, settings.ResumePath, cancellationToken);
        var data = await DatasetLoader.LoadAsync(console, dataRoot, kind, cancellationToken).ConfigureAwait(false);

        // One code path with the cluster: the coordinator and N worker actors in this process over in-memory
        // references. Its parameters are bit-identical to LocalTrainer's for any worker count.
        InProcessCluster trainer;
        TrainingOptions options;
        if (settings.ResumePath is { } resumePath)
        {
            trainer = InProcessCluster.Resume(resumePath, data, settings.Workers);
            options = trainer.Options;
            await console.Out.WriteLineAsync($"Resuming {resumePath}").ConfigureAwait(false);
        }
        else
        {
            options = TrainingOptionsFactory.Create(settings, data);
            if (settings.Batch > data.Train.Count)
            {
                await console.Out.WriteLineAsync(
                    $"Note: --batch {settings.Batch:N0} is more than the {data.Train.Count:N0} training images; each step uses the whole set.").ConfigureAwait(false);
            }

            trainer = new InProcessCluster(options, data) { CheckpointPath = settings.CheckpointPath };
        }

        await console.Out.WriteLineAsync(Describe(options, data)).ConfigureAwait(false);
        await warmUp.Completion.ConfigureAwait(false);
        // Only a checkpoint this run wrote, or the one it resumed from, is one to continue: with --overwrite-checkpoint
        // the file may still hold an earlier run until this run's first epoch end.
        var saved = settings.ResumePath is not null;
        trainer.EpochCompleted += _ => Volatile.Write(ref saved, true);
        TrainingResult result;
        try
        {
            result = TrainingProgressView.Run(console, trainer, options.Epochs, cancellationToken);
        }
        catch (OperationCanceledException) when (checkpointPath is not null && Volatile.Read(ref saved))
        {
            // The checkpoint of the last finished epoch is intact (written atomically), so the run is not lost.
            var dataFlag = settings.DataRoot is null ? string.Empty : $" --data {ShellWord.Quote(settings.DataRoot)}";
            throw new CliException(
                $"cancelled; continue with: clustermnist train --dataset {settings.Dataset}{dataFlag} --resume {ShellWord.Quote(checkpointPath)}", ExitCodes.Cancelled);
        }

        console.Ansi.Write(EpochTable.Build(result.Epochs));
        var test = result.Test;
        await console.Out.WriteLineAsync(
            $"Test accuracy {test.Accuracy.ToString("P2", CultureInfo.InvariantCulture)} "
            + $"({test.Confusion.Total:N0} images), loss {test.Loss:F4}; {result.TrainSeconds:F1} s, "
            + $"{result.SamplesPerSecond:N0} samples/s on {TrainingOptionsFactory.Plural(options.Workers, "worker")}; parameters sha256 {result.ParameterSha256}").ConfigureAwait(false);

        if (checkpointPath is not null)
        {
            await console.Out.WriteLineAsync($"Checkpoint: {checkpointPath}").ConfigureAwait(false);
        }

        if (settings.PlotPath is { } plotPath)
        {
            WritePlot(plotPath, PlotOf(result, $"{data.Name} {options.Model}"));
            await console.Out.WriteLineAsync($"Plot: {plotPath}").ConfigureAwait(false);
        }

        if (settings.Json)
        {
            var summary = new TrainSummary(test.Accuracy, result.Epochs.Count, result.TrainSeconds, result.SamplesPerSecond, options.Workers, result.ParameterSha256);
            await console.Out.WriteLineAsync(JsonLine.Serialize(summary)).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private static string Describe(TrainingOptions options, DataSplit data) =>
        $"Training {options.Model} on {data.Name} ({data.Train.Count:N0} train, {data.Test.Count:N0} test images): "
        + $"{options.Init} init, {options.Optimizer.Kind} lr {options.Schedule.BaseRate.ToString(CultureInfo.InvariantCulture)} "
        + $"{options.Schedule.Kind}, batch {options.BatchSize}, {TrainingOptionsFactory.Plural(options.Epochs, "epoch")}, "
        + $"{TrainingOptionsFactory.Plural(options.Workers, "worker")}, seed {options.Seed}";

    /// <summary>
    /// A resumed run trains on the data set its checkpoint records (format 2 on): without --dataset, that one, rather
    /// than loading or downloading the default only to find the fingerprint differs; with another, a usage error.
    /// </summary>
    private static TrainSettings WithRecordedDataset(TrainSettings settings, string checkpoint)
    {
        var recorded = ModelFile.Load(checkpoint).Dataset;
        if (recorded is null || recorded == settings.Dataset)
        {
            return settings;
        }

        if (settings.DatasetGiven)
        {
            throw CliException.Usage($"--resume {checkpoint} continues a run on {recorded}, so --dataset {settings.Dataset} cannot apply; leave it out or give --dataset {recorded}.");
        }

        return settings with { Dataset = recorded };
    }

    /// <summary>The plot written over the checkpoint would destroy the run it plots.</summary>
    private static void RefuseOneFileForTwo(string checkpointFlag, string? checkpointPath, string? plotPath)
    {
        if (checkpointPath is not null && plotPath is not null && OutputFile.SameFile(checkpointPath, plotPath))
        {
            throw CliException.Usage($"{checkpointFlag} and --plot both name '{plotPath}'; the plot would overwrite the checkpoint. Give the plot its own file, e.g. run.svg.");
        }
    }

    private static void WritePlot(string path, TrainingPlot plot)
    {
        try
        {
            SvgPlotWriter.WriteFile(path, plot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--plot '{path}': cannot write the plot: {(e is UnauthorizedAccessException ? "permission denied." : e.Message)}", e);
        }
    }

    internal static TrainingPlot PlotOf(TrainingResult result, string title)
    {
        var confusion = result.Test.Confusion;
        var classes = confusion.Classes;
        var counts = new int[classes, classes];
        for (var actual = 0; actual < classes; actual++)
        {
            for (var predicted = 0; predicted < classes; predicted++)
            {
                counts[actual, predicted] = confusion[actual, predicted];
            }
        }

        return new TrainingPlot(
            title,
            result.Epochs.Select(e => e.TrainLoss).ToArray(),
            result.Epochs.Select(e => e.TestLoss).ToArray(),
            result.Epochs.Select(e => e.TrainAccuracy).ToArray(),
            result.Epochs.Select(e => e.TestAccuracy).ToArray(),
            counts);
    }
}
