using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Core.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `bench dataplane`: the TCP data plane's lock-step exchange on 127.0.0.1, as a training step uses it: the
/// coordinator sends N bytes of parameters, the worker answers with N bytes of sums, the next step starts when they
/// have arrived. Mutual TLS and plaintext are measured alternately, round after round, in one run, each on a fresh
/// connection (handshake not timed), so their ratio compares like with like on a machine whose load drifts.
/// </summary>
internal static class BenchDataPlaneCommand
{
    private const string WorkerId = "bench";

    public static Command Create()
    {
        int defaultBytes = 4 * ModelSpec.Parse("784-256-128-10").ParameterCount;
        var bytes = new Option<int?>("--bytes")
        {
            HelpName = "N",
            Description = $"Bytes each way per step, at most {DataFrameHeader.MaxPayloadLength:N0} (a frame's limit). Default {defaultBytes:N0}, the float32 parameters of 784-256-128-10 (the int32 sums are as large).",
        }.InRange(1, DataFrameHeader.MaxPayloadLength);
        var steps = new Option<int?>("--steps") { HelpName = "N", Description = "Timed steps per measurement. Default 300." }.AtLeast(1);
        var warmup = new Option<int?>("--warmup") { HelpName = "N", Description = "Untimed steps first on each connection. Default 30." }.AtLeast(0);
        var rounds = new Option<int?>("--rounds") { HelpName = "N", Description = "Rounds, each measuring TLS and plaintext (order alternating). Default 5." }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print one JSON line per measurement and a summary line." };
        var command = new Command("dataplane",
            "Lock-step exchange of N bytes down and N bytes back per step over the TCP data plane on 127.0.0.1, mutual TLS against plaintext: median ms per step, ratio, throughput.")
        {
            bytes, steps, warmup, rounds, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var setup = new Setup(parseResult.GetValue(bytes) ?? defaultBytes, parseResult.GetValue(steps) ?? 300,
                parseResult.GetValue(warmup) ?? 30, parseResult.GetValue(rounds) ?? 5);
            bool asJson = parseResult.GetValue(json);
            if (!asJson)
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{setup.Bytes:N0} bytes each way per step, {setup.Steps} timed steps after {setup.Warmup} warm-up, {setup.Rounds} round(s); "
                    + $"{Environment.ProcessorCount} cores, load {Statistics.LoadAverage():F2}")).ConfigureAwait(false);
                await console.Out.WriteLineAsync("round  transport                                median ms  p90 ms   MB/s  CPU ms  load").ConfigureAwait(false);
            }

            using var certificate = ClusterCertificate.CreateNew();
            var lines = new List<DataPlaneBenchmarkLine>();
            for (int round = 1; round <= setup.Rounds; round++)
            {
                // Alternate which goes first, so neither always meets the warmer (or the busier) machine.
                foreach (bool encrypted in round % 2 == 1 ? [true, false] : (bool[])[false, true])
                {
                    var line = await MeasureAsync(setup, encrypted ? certificate : null, round, cancellationToken).ConfigureAwait(false);
                    lines.Add(line);
                    await console.Out.WriteLineAsync(asJson ? JsonLine.Serialize(line) : Format(line)).ConfigureAwait(false);
                }
            }

            var summary = Summarize(setup, lines);
            await console.Out.WriteLineAsync(asJson ? JsonLine.Serialize(summary) : Format(summary)).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>One connection, its warm-up, then the timed steps; the coordinator's view of each step's time.</summary>
    private static async Task<DataPlaneBenchmarkLine> MeasureAsync(Setup setup, ClusterCertificate? certificate, int round, CancellationToken cancellationToken)
    {
        var security = certificate is null ? DataPlaneSecurity.PlaintextForTrustedNetwork() : DataPlaneSecurity.MutualTls(certificate);
        double load = Statistics.LoadAverage();
        var accepted = new TaskCompletionSource<DataPlaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = DataPlaneServer.Start(new IPEndPoint(IPAddress.Loopback, 0), security, NullLogger.Instance, c => accepted.TrySetResult(c));
        await using var worker = await DataPlaneClient.ConnectAsync("127.0.0.1", server.LocalEndpoint.Port, WorkerId, server.Authorize(WorkerId), security,
            NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        await using var coordinator = await accepted.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);

        var parameters = new byte[setup.Bytes];
        var sums = new byte[setup.Bytes];
        Random.Shared.NextBytes(parameters);
        Random.Shared.NextBytes(sums);
        var atWorker = Inbox(worker, setup.Bytes);
        var atCoordinator = Inbox(coordinator, setup.Bytes);
        using var stopEcho = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var echo = Task.Run(async () =>
        {
            await foreach (var frame in atWorker.ReadAllAsync(stopEcho.Token).ConfigureAwait(false))
            {
                using (frame)
                {
                    await worker.SendAsync(DataFrameKind.GradientSum, frame.Header.Id, sums, stopEcho.Token).ConfigureAwait(false);
                }
            }
        }, stopEcho.Token);

        var milliseconds = new double[setup.Steps];
        TimeSpan cpuBefore = TimeSpan.Zero;
        for (int step = 0; step < setup.Warmup + setup.Steps; step++)
        {
            if (step == setup.Warmup)
            {
                cpuBefore = Environment.CpuUsage.TotalTime;
            }

            long start = Stopwatch.GetTimestamp();
            await coordinator.SendAsync(DataFrameKind.Parameters, step, parameters, cancellationToken).ConfigureAwait(false);
            using var reply = await atCoordinator.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reply.Header.Id != step)
            {
                throw new CliException($"the data plane answered step {step} with frame {reply.Header.Id}.");
            }

            if (step >= setup.Warmup)
            {
                milliseconds[step - setup.Warmup] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        double cpuMs = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds / setup.Steps;

        // The echo waits for a frame that will not come; the last step's answer has been received, so it is idle.
        await stopEcho.CancelAsync().ConfigureAwait(false);
        try
        {
            await echo.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        Array.Sort(milliseconds);
        double median = Statistics.Median(milliseconds);
        return new DataPlaneBenchmarkLine("dataplane", round, security.Encrypted ? "tls" : "plaintext", coordinator.Transport, setup.Bytes, setup.Steps,
            Math.Round(median, 4), Math.Round(Statistics.Percentile(milliseconds, 0.9), 4),
            Math.Round(2.0 * setup.Bytes / (median / 1e3) / 1e6, 1), Math.Round(cpuMs, 4), Math.Round(load, 2), Environment.ProcessorCount);
    }

    /// <summary>The frames <paramref name="connection"/> receives, in order; the reader fails when the connection closes.</summary>
    private static ChannelReader<DataFrame> Inbox(DataPlaneConnection connection, int bytes)
    {
        var frames = Channel.CreateUnbounded<DataFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        connection.StartReceiving(
            header => header.PayloadLength == bytes ? FrameVerdict.Accept : FrameVerdict.Reject($"expected {bytes} bytes"),
            frame => frames.Writer.TryWrite(frame));
        _ = connection.Completion.ContinueWith(closed => frames.Writer.TryComplete(new DataPlaneException(closed.Result)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return frames.Reader;
    }

    /// <summary>Medians over rounds of each transport's median step, and the median of the per-round TLS/plaintext ratios.</summary>
    private static DataPlaneBenchmarkSummary Summarize(Setup setup, IReadOnlyList<DataPlaneBenchmarkLine> lines)
    {
        var tls = lines.Where(l => l.Security == "tls").OrderBy(l => l.Round).ToArray();
        var plaintext = lines.Where(l => l.Security == "plaintext").OrderBy(l => l.Round).ToArray();
        double tlsMs = Statistics.Median(tls.Select(l => l.MedianMs));
        double plaintextMs = Statistics.Median(plaintext.Select(l => l.MedianMs));
        return new DataPlaneBenchmarkSummary("dataplane-summary", setup.Bytes, setup.Steps, setup.Rounds, Math.Round(tlsMs, 4), Math.Round(plaintextMs, 4),
            Math.Round(Statistics.Median(tls.Zip(plaintext, (t, p) => t.MedianMs / p.MedianMs)), 3),
            Math.Round(2.0 * setup.Bytes / (tlsMs / 1e3) / 1e6, 1), Math.Round(2.0 * setup.Bytes / (plaintextMs / 1e3) / 1e6, 1),
            Math.Round(Statistics.LoadAverage(), 2), Environment.ProcessorCount);
    }

    private static string Format(DataPlaneBenchmarkLine line) => string.Create(CultureInfo.InvariantCulture,
        $"{line.Round,5}  {line.Transport,-39}  {line.MedianMs,9:F3}  {line.P90Ms,6:F3}  {line.MegabytesPerSecond,5:F0}  {line.CpuMsPerStep,7:F3}  {line.LoadAverage,4:F2}");

    private static string Format(DataPlaneBenchmarkSummary summary) => string.Create(CultureInfo.InvariantCulture,
        $"median of {summary.Rounds} rounds: TLS {summary.TlsMedianMs:F3} ms, plaintext {summary.PlaintextMedianMs:F3} ms per step; "
        + $"TLS/plaintext {summary.TlsOverPlaintext:F2}× (median of per-round ratios); {summary.TlsMegabytesPerSecond:F0} vs {summary.PlaintextMegabytesPerSecond:F0} MB/s "
        + $"(both directions); load {summary.LoadAverage:F2}");

    private sealed record Setup(int Bytes, int Steps, int Warmup, int Rounds);
}

/// <summary>One line of `bench dataplane --json`: one transport in one round.</summary>
internal sealed record DataPlaneBenchmarkLine(
    string Benchmark,
    int Round,
    string Security,
    string Transport,
    int Bytes,
    int Steps,
    double MedianMs,
    double P90Ms,
    double MegabytesPerSecond,
    double CpuMsPerStep,
    double LoadAverage,
    int Cores);

/// <summary>The last line of `bench dataplane --json`: medians over the rounds and the TLS cost as a ratio.</summary>
internal sealed record DataPlaneBenchmarkSummary(
    string Benchmark,
    int Bytes,
    int Steps,
    int Rounds,
    double TlsMedianMs,
    double PlaintextMedianMs,
    double TlsOverPlaintext,
    double TlsMegabytesPerSecond,
    double PlaintextMegabytesPerSecond,
    double LoadAverage,
    int Cores);
