using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Kernels;
using ClusterMnist.Core.Model;
using Spectre.Console;

namespace ClusterMnist.Cli.Commands;

/// <summary>`bench gemm`: GFLOP/s of the GEMM kernel on the training shapes, as a fraction of the FMA peak measured in the same run.</summary>
internal static class BenchGemmCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { HelpName = "SPEC", Description = "Network whose layer shapes are measured.", DefaultValueFactory = _ => "784-256-128-10" };
        var batch = new Option<int?>("--batch") { HelpName = "N", Description = "Global batch size; the 32-row micro-shard is always measured too. Default 256." }.AtLeast(1);
        var duration = new Option<int?>("--duration-ms") { HelpName = "MS", Description = "Time spent on each measurement, in milliseconds. Default 500." }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print one JSON object per measurement instead of a table." };
        var command = new Command("gemm", "GFLOP/s and fraction of the single-core FMA peak for forward, input-gradient and weight-gradient products.")
        {
            model, batch, duration, json,
        };
        command.SetAction(parseResult =>
        {
            var console = CliConsole.From(parseResult);
            var spec = ParseModel(parseResult.GetValue(model)!);
            var time = TimeSpan.FromMilliseconds(parseResult.GetValue(duration) ?? 500);
            var batches = new[] { parseResult.GetValue(batch) ?? 256, 32 }.Distinct();
            return Run(console, spec, batches, time, parseResult.GetValue(json));
        });
        return command;
    }

    internal static ModelSpec ParseModel(string text)
    {
        try
        {
            return ModelSpec.Parse(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw CliException.Usage($"bad --model '{text}': {e.Message}");
        }
    }

    private static int Run(CliConsole console, ModelSpec spec, IEnumerable<int> batches, TimeSpan duration, bool json)
    {
        var peak = FmaPeak.Measure(duration);
        if (!json)
        {
            console.Out.WriteLine($"FMA peak, one core, {peak.InstructionSet}: {peak.GigaflopsPerSecond:F1} GFLOP/s");
        }

        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in new[] { "batch", "layer", "form", "m×n×k", "GFLOP/s", "of peak" })
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }

        foreach (var shape in batches.SelectMany(b => GemmBenchmarkShapes.For(spec.LayerSizes, b)))
        {
            var gflops = GemmThroughput.MeasureGigaflops(shape.Form, shape.M, shape.N, shape.K, duration);
            var fraction = gflops / peak.GigaflopsPerSecond;
            if (json)
            {
                console.Out.WriteLine(JsonLine.Serialize(new GemmBenchmarkLine(
                    "gemm", shape.Batch, shape.Layer, shape.Form.ToString(), shape.M, shape.N, shape.K,
                    Math.Round(gflops, 3), Math.Round(peak.GigaflopsPerSecond, 3), peak.InstructionSet, Math.Round(fraction, 4))));
            }
            else
            {
                table.AddRow(
                    shape.Batch.ToString(CultureInfo.InvariantCulture),
                    shape.Layer,
                    shape.Form.ToString(),
                    $"{shape.M}×{shape.N}×{shape.K}",
                    gflops.ToString("F1", CultureInfo.InvariantCulture),
                    fraction.ToString("P1", CultureInfo.InvariantCulture));
            }
        }

        if (!json)
        {
            console.Ansi.Write(table);
        }

        return ExitCodes.Success;
    }
}
