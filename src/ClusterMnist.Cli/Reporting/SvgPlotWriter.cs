using System.Globalization;
using System.Security;
using System.Text;

namespace ClusterMnist.Cli.Reporting;

/// <summary>
/// Writes a <see cref="TrainingPlot"/> as a self-contained SVG: three panels (loss, accuracy, confusion matrix)
/// drawn with plain SVG elements, so the picture opens in any browser and needs no plotting package.
/// </summary>
internal static class SvgPlotWriter
{
    private const int Width = 1200;
    private const int Height = 440;
    private const int ChartTop = 70;
    private const int ChartHeight = 300;
    private const int ChartWidth = 330;
    private const int MatrixSize = 290;
    private const int MaxMarkers = 60;

    public static void WriteFile(string path, TrainingPlot plot)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, Render(plot), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    public static string Render(TrainingPlot plot)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Escape(plot.Title)}</title>\n");
        svg.Append("<style>.train{stroke:#1f77b4}.test{stroke:#d62728}.axis{stroke:#333;stroke-width:1}.grid{stroke:#ddd;stroke-width:1}polyline{fill:none;stroke-width:2}</style>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">{Escape(plot.Title)}</text>\n");

        var (lossMin, lossMax) = LossRange(plot.TrainLoss, plot.TestLoss);
        LineChart(svg, "loss", "Loss per epoch", 60, lossMin, lossMax, "0.###", plot.TrainLoss, plot.TestLoss, legendAtTop: true);
        var (accuracyMin, accuracyMax) = AccuracyRange(plot.TrainAccuracy, plot.TestAccuracy);
        LineChart(svg, "accuracy", "Accuracy per epoch", 470, accuracyMin, accuracyMax, "0.0##", plot.TrainAccuracy, plot.TestAccuracy, legendAtTop: false);
        ConfusionMatrix(svg, 880, plot.Confusion);

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void LineChart(StringBuilder svg, string id, string title, int left, double yMin, double yMax, string yFormat,
        IReadOnlyList<double> train, IReadOnlyList<double> test, bool legendAtTop)
    {
        var epochs = Math.Max(train.Count, test.Count);
        var bottom = ChartTop + ChartHeight;
        double X(int epoch) => epochs <= 1 ? left + (ChartWidth / 2.0) : left + ((epoch - 1) * (double)ChartWidth / (epochs - 1));
        double Y(double value) => bottom - ((value - yMin) / (yMax - yMin) * ChartHeight);

        svg.Append(CultureInfo.InvariantCulture, $"<g id=\"{id}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (ChartWidth / 2)}\" y=\"{ChartTop - 12}\" text-anchor=\"middle\" font-size=\"14\">{Escape(title)}</text>\n");

        for (var i = 0; i <= 4; i++)
        {
            var value = yMin + (i * (yMax - yMin) / 4);
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{left}\" y1=\"{F(y)}\" x2=\"{left + ChartWidth}\" y2=\"{F(y)}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{value.ToString(yFormat, CultureInfo.InvariantCulture)}</text>\n");
        }

        var tickStep = Math.Max(1, (int)Math.Ceiling(epochs / 6.0));
        for (var epoch = 1; epoch <= epochs; epoch += tickStep)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(epoch))}\" y=\"{bottom + 16}\" text-anchor=\"middle\">{epoch}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (ChartWidth / 2)}\" y=\"{bottom + 34}\" text-anchor=\"middle\">epoch</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{left}\" y1=\"{ChartTop}\" x2=\"{left}\" y2=\"{bottom}\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{left + ChartWidth}\" y2=\"{bottom}\"/>\n");

        Series(svg, "train", train, X, Y);
        Series(svg, "test", test, X, Y);

        // Legend in the corner the curves leave free: losses fall towards the bottom, accuracies rise to the top.
        var legendX = left + ChartWidth - 70;
        var legendY = legendAtTop ? ChartTop + 10 : bottom - 36;
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"train\" stroke-width=\"2\" x1=\"{legendX}\" y1=\"{legendY}\" x2=\"{legendX + 18}\" y2=\"{legendY}\"/><text x=\"{legendX + 22}\" y=\"{legendY + 4}\">train</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"test\" stroke-width=\"2\" x1=\"{legendX}\" y1=\"{legendY + 16}\" x2=\"{legendX + 18}\" y2=\"{legendY + 16}\"/><text x=\"{legendX + 22}\" y=\"{legendY + 20}\">test</text>\n");
        svg.Append("</g>\n");
    }

    private static void Series(StringBuilder svg, string cssClass, IReadOnlyList<double> values, Func<int, double> x, Func<double, double> y)
    {
        // A diverged run can produce NaN or infinite losses; such points are left out rather than breaking the picture.
        var points = new List<(double X, double Y, int Epoch, double Value)>();
        for (var i = 0; i < values.Count; i++)
        {
            if (double.IsFinite(values[i]))
            {
                points.Add((x(i + 1), y(values[i]), i + 1, values[i]));
            }
        }

        if (points.Count >= 2)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"{cssClass}\" points=\"");
            svg.AppendJoin(' ', points.Select(p => $"{F(p.X)},{F(p.Y)}"));
            svg.Append("\"/>\n");
        }

        if (points.Count <= MaxMarkers)
        {
            foreach (var point in points)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"{cssClass}\" cx=\"{F(point.X)}\" cy=\"{F(point.Y)}\" r=\"2.5\" fill=\"white\" stroke-width=\"1.5\"><title>{cssClass} epoch {point.Epoch}: {point.Value.ToString("0.####", CultureInfo.InvariantCulture)}</title></circle>\n");
            }
        }
    }

    private static void ConfusionMatrix(StringBuilder svg, int left, int[,] confusion)
    {
        var classes = confusion.GetLength(0);
        var cell = classes == 0 ? MatrixSize : MatrixSize / (double)classes;
        svg.Append("<g id=\"confusion\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (MatrixSize / 2)}\" y=\"{ChartTop - 12}\" text-anchor=\"middle\" font-size=\"14\">Test confusion matrix</text>\n");
        for (var actual = 0; actual < classes; actual++)
        {
            var rowTotal = 0;
            for (var predicted = 0; predicted < confusion.GetLength(1); predicted++)
            {
                rowTotal += confusion[actual, predicted];
            }

            for (var predicted = 0; predicted < confusion.GetLength(1); predicted++)
            {
                var count = confusion[actual, predicted];
                var share = rowTotal == 0 ? 0 : count / (double)rowTotal;
                var x = left + (predicted * cell);
                var y = ChartTop + (actual * cell);
                var shade = (int)Math.Round(255 - (share * 200));
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"cell\" x=\"{F(x)}\" y=\"{F(y)}\" width=\"{F(cell)}\" height=\"{F(cell)}\" fill=\"rgb({shade},{shade},255)\" stroke=\"#fff\"><title>actual {actual}, predicted {predicted}: {count}</title></rect>\n");
                if (count > 0)
                {
                    var ink = share > 0.5 ? "white" : "#222";
                    svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x + (cell / 2))}\" y=\"{F(y + (cell / 2) + 3)}\" text-anchor=\"middle\" font-size=\"9\" fill=\"{ink}\">{count}</text>\n");
                }
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(ChartTop + (actual * cell) + (cell / 2) + 4)}\" text-anchor=\"end\">{actual}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + (actual * cell) + (cell / 2))}\" y=\"{ChartTop + MatrixSize + 16}\" text-anchor=\"middle\">{actual}</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (MatrixSize / 2)}\" y=\"{ChartTop + MatrixSize + 34}\" text-anchor=\"middle\">predicted</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 26}\" y=\"{ChartTop + (MatrixSize / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 {left - 26} {ChartTop + (MatrixSize / 2)})\">actual</text>\n");
        svg.Append("</g>\n");
    }

    private static (double Min, double Max) LossRange(IReadOnlyList<double> train, IReadOnlyList<double> test)
    {
        var finite = train.Concat(test).Where(double.IsFinite).ToList();
        var max = finite.Count == 0 ? 1 : finite.Max();
        return (0, max <= 0 ? 1 : NiceCeiling(max * 1.05));
    }

    /// <summary>The smallest of 1, 2, 2.5, 5 (times a power of ten) at or above <paramref name="value"/>, so axis ticks are round numbers.</summary>
    private static double NiceCeiling(double value)
    {
        var scale = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * scale >= value)
            {
                return step * scale;
            }
        }

        return 10 * scale;
    }

    private static (double Min, double Max) AccuracyRange(IReadOnlyList<double> train, IReadOnlyList<double> test)
    {
        var finite = train.Concat(test).Where(double.IsFinite).ToList();
        var min = finite.Count == 0 ? 0 : finite.Min();
        return (Math.Clamp(Math.Floor(min * 10) / 10, 0, 0.9), 1);
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? string.Empty;
}
