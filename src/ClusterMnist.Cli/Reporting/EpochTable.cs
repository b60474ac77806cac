using System.Globalization;
using ClusterMnist.Core.Training;
using Spectre.Console;

namespace ClusterMnist.Cli.Reporting;

/// <summary>The summary table `train` prints at the end: one row per epoch.</summary>
internal static class EpochTable
{
    /// <summary>Longer runs (the seed preset has 500 one-step epochs) show every k-th epoch and the last.</summary>
    private const int MaxRows = 40;

    public static Table Build(IReadOnlyList<EpochReport> epochs)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn(new TableColumn("epoch").RightAligned());
        table.AddColumn(new TableColumn("train loss").RightAligned());
        table.AddColumn(new TableColumn("train acc").RightAligned());
        table.AddColumn(new TableColumn("test loss").RightAligned());
        table.AddColumn(new TableColumn("test acc").RightAligned());
        table.AddColumn(new TableColumn("seconds").RightAligned());
        table.AddColumn(new TableColumn("samples/s").RightAligned());

        var every = Math.Max(1, (int)Math.Ceiling(epochs.Count / (double)MaxRows));
        for (var i = 0; i < epochs.Count; i++)
        {
            if ((i + 1) % every != 0 && i != epochs.Count - 1 && i != 0)
            {
                continue;
            }

            var e = epochs[i];
            table.AddRow(
                e.Epoch.ToString(CultureInfo.InvariantCulture),
                e.TrainLoss.ToString("F4", CultureInfo.InvariantCulture),
                e.TrainAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                e.TestLoss.ToString("F4", CultureInfo.InvariantCulture),
                e.TestAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                e.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                e.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        }

        if (every > 1)
        {
            table.Caption($"one epoch in {every} shown");
        }

        return table;
    }
}
