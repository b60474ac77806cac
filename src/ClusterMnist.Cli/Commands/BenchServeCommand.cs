using System.CommandLine;
using System.Globalization;
using System.Text;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Core.Model;
using ClusterMnist.Server;
using ClusterMnist.Server.Snapshots;
using ClusterMnist.Server.Status;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `bench serve`: single-image <c>POST /api/predict</c> requests/s and median/p99 latency against a real Kestrel on
/// 127.0.0.1, driven by an in-process HttpClient (default) or by wrk. Client and server share this machine's cores,
/// so the numbers are a lower bound on what the server alone sustains.
/// </summary>
internal static class BenchServeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Network the server runs (random weights).", DefaultValueFactory = _ => "784-256-128-10", HelpName = "SPEC" };
        var connections = new Option<int?>("--connections") { Description = "Concurrent connections, one request in flight on each. Default 16.", HelpName = "N" }.AtLeast(1);
        var seconds = new Option<int?>("--seconds") { Description = "Length of the timed run, after a 2 s warm-up. Default 10.", HelpName = "S" }.AtLeast(1);
        var wrk = new Option<bool>("--wrk") { Description = "Drive the load with wrk (from PATH) instead of the in-process HttpClient." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("serve", "Start the HTTP API on 127.0.0.1 and measure single-image predictions: requests/s, median and p99 latency.")
        {
            model, connections, seconds, wrk, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var spec = BenchGemmCommand.ParseModel(parseResult.GetValue(model)!);
            var line = await MeasureAsync(
                spec, parseResult.GetValue(connections) ?? 16, parseResult.GetValue(seconds) ?? 10, parseResult.GetValue(wrk), console, parseResult.GetValue(json),
                cancellationToken).ConfigureAwait(false);
            console.Out.WriteLine(parseResult.GetValue(json) ? JsonLine.Serialize(line) : Describe(line));
            return line.Errors == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    public static async Task<ServeBenchmarkLine> MeasureAsync(
        ModelSpec spec, int connections, int seconds, bool useWrk, CliConsole console, bool quiet, CancellationToken cancellationToken)
    {
        string? wrk = useWrk ? FindOnPath("wrk") ?? throw new CliException("--wrk: wrk is not on PATH (e.g. apt-get install -y wrk).") : null;
        var network = new Network(spec);
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, Initialization.He, 1);
        var models = new ModelSnapshotHolder(new ParameterSnapshot(spec, parameters, version: 1, step: 0, epoch: 0));
        await using var host = await ServerHost.StartAsync("http://127.0.0.1:0", models, new InMemoryClusterStatus(), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var url = new Uri(host.Address, "api/predict");
        string body = PixelsJson(spec.InputSize);
        LatencySummary summary;
        double? cpuPerRequest = null;
        if (wrk is null)
        {
            summary = await ServingLoad.RunAsync(
                url, Encoding.UTF8.GetBytes(body), connections, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var (result, commandLine, report, cpu) = await WrkLoad.RunAsync(wrk, url, spec.InputSize, connections, seconds, cancellationToken).ConfigureAwait(false);
            if (!quiet)
            {
                console.Out.WriteLine($"$ {commandLine}");
                console.Out.WriteLine(report.TrimEnd());
            }

            summary = result;
            cpuPerRequest = Math.Round(cpu, 1);
        }

        if (summary.FirstError is not null)
        {
            console.Error.WriteLine($"warning: {summary.Errors} requests failed; the first: {summary.FirstError}");
        }

        return new ServeBenchmarkLine(
            "serve", spec.ToString(), wrk is null ? "httpclient" : "wrk", connections, Math.Round(summary.Seconds, 3), summary.Requests, summary.Errors,
            Math.Round(summary.RequestsPerSecond, 1), Math.Round(summary.MedianMs, 4), Math.Round(summary.P99Ms, 4), Math.Round(summary.MaxMs, 4),
            cpuPerRequest);
    }

    /// <summary>One image as <c>{"pixels":[...]}</c> with 0–255 values spread over the whole range.</summary>
    internal static string PixelsJson(int inputSize) =>
        "{\"pixels\":[" + string.Join(",", Enumerable.Range(0, inputSize).Select(i => ((i * 37) + 101) % 256)) + "]}";

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static string Describe(ServeBenchmarkLine line)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{line.Model}, {line.Client}, {line.Connections} connections, {line.Seconds:F1} s: {line.RequestsPerSecond:N0} requests/s, "
            + $"median {line.MedianMs:F3} ms, p99 {line.P99Ms:F3} ms, max {line.MaxMs:F3} ms ({line.Requests:N0} requests, {line.Errors} failed)");
        return line.ServerCpuMicrosecondsPerRequest is { } cpu
            ? text + string.Create(CultureInfo.InvariantCulture, $", server CPU {cpu:F1} µs per request")
            : text;
    }
}

/// <summary>One line of `bench serve --json`; the server's CPU per request is known only when wrk, not this process, drives the load.</summary>
internal sealed record ServeBenchmarkLine(
    string Benchmark,
    string Model,
    string Client,
    int Connections,
    double Seconds,
    long Requests,
    int Errors,
    double RequestsPerSecond,
    double MedianMs,
    double P99Ms,
    double MaxMs,
    double? ServerCpuMicrosecondsPerRequest);
