using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// Drives <c>POST /api/predict</c> with wrk (an external C load generator, so the client costs the server's process
/// nothing but CPU time) and reads requests/s and the 50th/99th latency percentiles from its <c>--latency</c> report.
/// </summary>
internal static partial class WrkLoad
{
    /// <summary>
    /// The Lua script that turns wrk's GET into a POST of one image as JSON pixels; the README shows the same script.
    /// It builds the body that <see cref="BenchServeCommand.PixelsJson"/> sends.
    /// </summary>
    public static string Script(int inputSize) =>
        "-- predict.lua: POST one image as {\"pixels\": [...]} (0-255 values spread over the range)\n"
        + "local pixels = {}\n"
        + $"for i = 0, {inputSize - 1} do pixels[#pixels + 1] = tostring((i * 37 + 101) % 256) end\n"
        + "wrk.method = \"POST\"\n"
        + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        + "wrk.body = '{\"pixels\":[' .. table.concat(pixels, \",\") .. ']}'\n";

    /// <summary>wrk's command line for <paramref name="connections"/> connections over two threads.</summary>
    public static string Arguments(int connections, int seconds, string scriptPath, Uri url) =>
        $"-t{Math.Min(2, connections)} -c{connections} -d{seconds}s --latency -s {scriptPath} {url}";

    /// <summary>Runs wrk; also returns this process's CPU time per request during the timed run (the server's cost, as wrk runs apart).</summary>
    public static async Task<(LatencySummary Summary, string Command, string Report, double CpuMicrosecondsPerRequest)> RunAsync(
        string wrk, Uri url, int inputSize, int connections, int seconds, CancellationToken cancellationToken)
    {
        string script = Path.Combine(Path.GetTempPath(), $"clustermnist-predict-{Environment.ProcessId}.lua");
        await File.WriteAllTextAsync(script, Script(inputSize), Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        try
        {
            // A short warm-up run first: connection set-up, JIT of the request path.
            await RunProcessAsync(wrk, Arguments(connections, 2, script, url), cancellationToken).ConfigureAwait(false);
            string arguments = Arguments(connections, seconds, script, url);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            string report = await RunProcessAsync(wrk, arguments, cancellationToken).ConfigureAwait(false);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var summary = Parse(report);
            return (summary, $"wrk {arguments}", report, cpu.TotalMicroseconds / Math.Max(1, summary.Requests));
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Reads wrk's totals and its latency distribution (which <c>--latency</c> prints).</summary>
    public static LatencySummary Parse(string report)
    {
        var total = TotalPattern().Match(report);
        var rate = RatePattern().Match(report);
        if (!total.Success || !rate.Success)
        {
            throw new CliException($"cannot read wrk's report:\n{report}");
        }

        long requests = long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture);
        double seconds = Duration(total.Groups[2].Value, total.Groups[3].Value) / 1000;
        var errors = NonSuccessPattern().Match(report);
        int failed = errors.Success ? int.Parse(errors.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new LatencySummary(
            requests, failed, errors.Success ? "non-2xx responses" : null, seconds,
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            Percentile(report, "50%"), Percentile(report, "99%"), Max(report));
    }

    private static double Percentile(string report, string label)
    {
        var match = Regex.Match(report, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline, TimeSpan.FromSeconds(1));
        return match.Success ? Duration(match.Groups[1].Value, match.Groups[2].Value) : double.NaN;
    }

    // "Latency   1.23ms  456.00us  12.34ms  90.00%": mean, stdev, max.
    private static double Max(string report)
    {
        var match = MaxPattern().Match(report);
        return match.Success ? Duration(match.Groups[1].Value, match.Groups[2].Value) : double.NaN;
    }

    private static double Duration(string value, string unit)
    {
        double number = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            "m" => number * 60_000,
            _ => number * 1000,
        };
    }

    private static async Task<string> RunProcessAsync(string file, string arguments, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new CliException($"cannot start {file}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string text = await output.ConfigureAwait(false) + await errors.ConfigureAwait(false);
        return process.ExitCode == 0 ? text : throw new CliException($"wrk failed (exit {process.ExitCode}):\n{text}");
    }

    [GeneratedRegex(@"(\d+) requests in ([\d.]+)(us|ms|s|m),")]
    private static partial Regex TotalPattern();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RatePattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessPattern();

    [GeneratedRegex(@"^\s*Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s)", RegexOptions.Multiline)]
    private static partial Regex MaxPattern();
}
