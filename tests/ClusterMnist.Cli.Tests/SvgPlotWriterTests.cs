using System.Xml.Linq;
using ClusterMnist.Cli.Reporting;

namespace ClusterMnist.Cli.Tests;

public class SvgPlotWriterTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static int[,] Confusion()
    {
        var confusion = new int[10, 10];
        for (var i = 0; i < 10; i++)
        {
            confusion[i, i] = 90 + i;
            confusion[i, (i + 1) % 10] = 10 - i;
        }

        return confusion;
    }

    private static TrainingPlot Plot(int epochs, string title = "fashion 784-256-128-10") => new(
        title,
        Enumerable.Range(0, epochs).Select(e => 1.0 / (e + 1)).ToArray(),
        Enumerable.Range(0, epochs).Select(e => 1.2 / (e + 1)).ToArray(),
        Enumerable.Range(0, epochs).Select(e => 0.8 + (e * 0.01)).ToArray(),
        Enumerable.Range(0, epochs).Select(e => 0.78 + (e * 0.01)).ToArray(),
        Confusion());

    [Fact]
    public void Render_IsWellFormedSvg_WithLossAccuracyAndConfusionPanels()
    {
        var document = XDocument.Parse(SvgPlotWriter.Render(Plot(5)));

        Assert.Equal(Svg + "svg", document.Root!.Name);
        var groups = document.Descendants(Svg + "g").Select(g => (string?)g.Attribute("id")).ToList();
        Assert.Equal(["loss", "accuracy", "confusion"], groups);
        Assert.Equal(4, document.Descendants(Svg + "polyline").Count()); // train and test, loss and accuracy
        var cells = document.Descendants(Svg + "rect").Where(r => (string?)r.Attribute("class") == "cell").ToList();
        Assert.Equal(100, cells.Count);
        Assert.Contains(cells, c => c.Element(Svg + "title")!.Value == "actual 3, predicted 3: 93");
    }

    [Fact]
    public void Render_PlotsEveryEpoch_AsOnePolylinePoint()
    {
        var document = XDocument.Parse(SvgPlotWriter.Render(Plot(12)));

        foreach (var line in document.Descendants(Svg + "polyline"))
        {
            Assert.Equal(12, ((string)line.Attribute("points")!).Split(' ').Length);
        }
    }

    [Fact]
    public void Render_DrawsMarkers_WhenOnlyOneEpoch()
    {
        var document = XDocument.Parse(SvgPlotWriter.Render(Plot(1)));

        Assert.Empty(document.Descendants(Svg + "polyline"));
        Assert.Equal(4, document.Descendants(Svg + "circle").Count());
    }

    [Fact]
    public void Render_EscapesTitle_AndSkipsNonFiniteLosses()
    {
        var plot = Plot(3, "a<b & \"c\"") with { TrainLoss = [1.0, double.NaN, 0.5] };

        var document = XDocument.Parse(SvgPlotWriter.Render(plot));

        Assert.Equal("a<b & \"c\"", document.Root!.Element(Svg + "title")!.Value);
        var trainLoss = document.Descendants(Svg + "g").First().Elements(Svg + "polyline").First();
        Assert.Equal(2, ((string)trainLoss.Attribute("points")!).Split(' ').Length);
        Assert.DoesNotContain("NaN", SvgPlotWriter.Render(plot));
    }

    [Fact]
    public void WriteFile_CreatesMissingDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"clustermnist-{Guid.NewGuid():N}", "sub", "plot.svg");
        try
        {
            SvgPlotWriter.WriteFile(path, Plot(2));

            Assert.Equal(Svg + "svg", XDocument.Load(path).Root!.Name);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(Path.GetDirectoryName(path))!, recursive: true);
        }
    }
}
