using System.Globalization;
using ClusterMnist.Core.Evaluation;
using Spectre.Console;

namespace ClusterMnist.Cli.Reporting;

/// <summary>Tables for `evaluate`: per-class precision and recall, and the confusion matrix.</summary>
internal static class ConfusionTables
{
    public static Table PerClass(ConfusionMatrix confusion)
    {
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn(new TableColumn("class").RightAligned());
        table.AddColumn(new TableColumn("precision").RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        table.AddColumn(new TableColumn("images").RightAligned());
        for (var c = 0; c < confusion.Classes; c++)
        {
            var support = 0;
            for (var p = 0; p < confusion.Classes; p++)
            {
                support += confusion[c, p];
            }

            table.AddRow(
                c.ToString(CultureInfo.InvariantCulture),
                confusion.Precision(c).ToString("P2", CultureInfo.InvariantCulture),
                confusion.Recall(c).ToString("P2", CultureInfo.InvariantCulture),
                support.ToString("N0", CultureInfo.InvariantCulture));
        }

        return table;
    }

    public static Table Matrix(ConfusionMatrix confusion)
    {
        var table = new Table().Border(TableBorder.Simple).Caption("rows: actual class, columns: predicted class");
        table.AddColumn(new TableColumn("actual").RightAligned());
        for (var p = 0; p < confusion.Classes; p++)
        {
            table.AddColumn(new TableColumn(p.ToString(CultureInfo.InvariantCulture)).RightAligned());
        }

        for (var a = 0; a < confusion.Classes; a++)
        {
            var cells = new string[confusion.Classes + 1];
            cells[0] = a.ToString(CultureInfo.InvariantCulture);
            for (var p = 0; p < confusion.Classes; p++)
            {
                cells[p + 1] = confusion[a, p].ToString(CultureInfo.InvariantCulture);
            }

            table.AddRow(cells);
        }

        return table;
    }
}
