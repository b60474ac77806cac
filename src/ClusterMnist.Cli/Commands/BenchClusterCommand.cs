using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ClusterMnist.Cli.Configuration;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cli.Reporting;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Randomness;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `bench cluster`: for each worker count, a coordinator (this process: a cluster node on 127.0.0.1 with a fresh
/// cluster certificate, mutual TLS) and that many `clustermnist worker` processes train on a synthetic IDX data set
/// written once to a temporary folder (so every node loads the same bytes and the fingerprints match). After the
/// warm-up steps it times the rest and prints samples/s, the speed-up over the first count, bytes per step and worker
/// between the nodes (also as a multiple of the parameter bytes), the data plane that carried the tensors, and where
/// a step's time went, as the coordinator measures it.
/// </summary>
internal static class BenchClusterCommand
{
    // One whole (16-step) epoch and a step: the first epoch end compiles the evaluation path (~80 ms without tiered
    // compilation), a one-time cost that would otherwise weigh as much as ~15 steps of a 300-step window.
    private const int DefaultWarmup = 17;

    private const string CertificateFile = "cluster.pfx";

    public static Command Create()
    {
        var workers = new Option<string>("--workers") { HelpName = "N,N,...", Description = "Worker process counts to measure, in order.", DefaultValueFactory = _ => "1,2" };
        var batch = new Option<int?>("--batch") { HelpName = "N", Description = "Global batch size. Default 1024." }.AtLeast(1);
        var steps = new Option<int?>("--steps") { HelpName = "N", Description = "Timed steps per worker count (at least). Default 300." }.AtLeast(1);
        var warmup = new Option<int?>("--warmup") { HelpName = "N", Description = "Untimed steps first (JIT, connections, the first epoch's evaluation). Default 17." }.AtLeast(1);
        var threads = new Option<int?>("--threads") { HelpName = "N", Description = "Threads per worker process. Default 1." }.AtLeast(1);
        var model = new Option<string>("--model") { HelpName = "SPEC", Description = "Network to train (784 inputs).", DefaultValueFactory = _ => "784-256-128-10" };
        var rounds = new Option<int?>("--rounds") { HelpName = "N", Description = "Measure the --workers list N times over and end with the median of each count. Default 1." }.AtLeast(1);
        var noSharedMemory = new Option<bool>("--no-shared-memory") { Description = "Send parameters and sums over each worker's TCP data plane stream instead of through shared memory files (the path between hosts)." };
        var noTls = new Option<bool>("--no-tls") { Description = "Run the cluster and the data plane without TLS (--insecure), to measure what encryption costs." };
        var json = new Option<bool>("--json") { Description = "Print one JSON line per worker count (and per count a summary line after several rounds)." };
        var command = new Command("cluster", "Train with a coordinator and N worker processes on 127.0.0.1 and print samples/s, speed-up, bytes per step and the step time split.")
        {
            workers, batch, steps, warmup, threads, model, rounds, noSharedMemory, noTls, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = CliConsole.From(parseResult);
            var spec = BenchGemmCommand.ParseModel(parseResult.GetValue(model)!);
            if (spec.InputSize != DatasetCatalog.ImageSide * DatasetCatalog.ImageSide || spec.OutputSize > 10)
            {
                throw new CliException($"bench cluster trains on 28×28 images with at most 10 classes; '{spec}' does not fit.", ExitCodes.Usage);
            }

            var counts = ParseCounts(parseResult.GetValue(workers)!);
            var setup = new ClusterBenchSetup(spec, parseResult.GetValue(batch) ?? 1024, parseResult.GetValue(steps) ?? 300,
                parseResult.GetValue(warmup) ?? DefaultWarmup, parseResult.GetValue(threads) ?? 1, !parseResult.GetValue(noSharedMemory), !parseResult.GetValue(noTls));
            int roundCount = parseResult.GetValue(rounds) ?? 1;
            bool asJson = parseResult.GetValue(json);
            string root = Directory.CreateTempSubdirectory("clustermnist-bench-cluster-").FullName;
            try
            {
                WriteSyntheticIdx(Path.Combine(root, "mnist"), spec.OutputSize, setup.Batch * setup.StepsPerEpoch, 256);
                if (setup.Tls)
                {
                    // A certificate of the benchmark's own, without a password: it lives and dies in the temporary folder.
                    using var certificate = ClusterCertificate.CreateNew();
                    await File.WriteAllBytesAsync(Path.Combine(root, CertificateFile), certificate.ExportPfx(password: null), cancellationToken).ConfigureAwait(false);
                }

                if (!asJson)
                {
                    await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{spec}, batch {setup.Batch}, {(setup.Epochs * setup.StepsPerEpoch) - setup.Warmup} timed steps after {setup.Warmup} warm-up, {setup.Threads} thread(s) per worker; "
                        + $"coordinator in this process; tensors {(setup.SharedMemory ? "through shared memory" : "over TCP streams")}, {(setup.Tls ? "mutual TLS" : "no TLS")}; "
                        + $"{Environment.ProcessorCount} cores, load {Statistics.LoadAverage():F2}")).ConfigureAwait(false);
                    await console.Out.WriteLineAsync("workers  samples/s  speed-up  B/step/worker  ×params  step ms: compute  communication  reduction  waiting  load  data plane").ConfigureAwait(false);
                }

                var measured = new List<ClusterBenchmarkLine>();
                for (int round = 1; round <= roundCount; round++)
                {
                    // Each round's speed-ups are over its own first count, measured minutes (not a whole run) apart.
                    if (roundCount > 1 && !asJson)
                    {
                        await console.Out.WriteLineAsync($"round {round}/{roundCount}").ConfigureAwait(false);
                    }

                    double? first = null;
                    foreach (int count in counts)
                    {
                        var line = await MeasureAsync(setup, count, root, cancellationToken).ConfigureAwait(false);
                        first ??= line.SamplesPerSecond;
                        line = line with { Speedup = Math.Round(line.SamplesPerSecond / first.Value, 3), Round = round };
                        measured.Add(line);
                        await console.Out.WriteLineAsync(asJson ? JsonLine.Serialize(line) : Format(line)).ConfigureAwait(false);
                        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                if (roundCount > 1)
                {
                    if (!asJson)
                    {
                        await console.Out.WriteLineAsync($"median of {roundCount} rounds (each speed-up is over its round's first count):").ConfigureAwait(false);
                    }

                    foreach (var summary in Summarize(measured, roundCount))
                    {
                        await console.Out.WriteLineAsync(asJson ? JsonLine.Serialize(summary) : Format(summary)).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>One run: a coordinator waiting for <paramref name="count"/> workers, the worker processes, the timed steps.</summary>
    private static async Task<ClusterBenchmarkLine> MeasureAsync(ClusterBenchSetup setup, int count, string root, CancellationToken cancellationToken)
    {
        var data = DatasetCatalog.Load(root, DatasetKind.Mnist);
        var options = new TrainingOptions(setup.Model, Initialization.He, new OptimizerSpec(OptimizerKind.Adam),
            new LearningRateSchedule(ScheduleKind.Constant, 1e-3f), setup.Batch, setup.Epochs, Workers: count, Seed: 1);
        using var certificate = setup.Tls ? ClusterCertificate.Load(Path.Combine(root, CertificateFile), password: null) : null;
        var settings = new CoordinatorServerSettings
        {
            Url = "http://127.0.0.1:0",
            Node = new ClusterNodeOptions
            {
                Role = ClusterRoles.Coordinator, BindHost = "127.0.0.1", Port = 0, PublicHost = "127.0.0.1", SeedHost = "127.0.0.1", Certificate = certificate,
            },
            DataPlanePort = 0,
            Coordinator = new CoordinatorSettings { MinWorkers = count, SharedMemory = setup.SharedMemory, Dataset = "mnist" },
        };

        // Steps arrive on the coordinator's loop, one at a time; the list is read only after the run completed.
        var steps = new List<(ClusterStepReport Report, long Timestamp)>();
        double loadBefore = Statistics.LoadAverage();
        await using var server = await CoordinatorServer.StartAsync(settings, options, data, cancellationToken: cancellationToken).ConfigureAwait(false);
        server.Events.StepCompleted += report => steps.Add((report, Stopwatch.GetTimestamp()));
        var workers = new List<BenchWorker>();
        try
        {
            for (int w = 1; w <= count; w++)
            {
                workers.Add(BenchWorker.Start(root, server.ClusterAddress.Port!.Value, setup.Tls, $"bench-w{w}", setup.Threads));
            }

            var timeout = Task.Delay(TimeSpan.FromMinutes(10), cancellationToken);
            var finished = await Task.WhenAny([server.Completion, timeout, .. workers.Select(w => w.Exited)]).ConfigureAwait(false);
            if (finished == timeout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new CliException($"the run with {count} worker(s) did not finish within 10 minutes.");
            }

            if (finished != server.Completion)
            {
                var gone = workers.First(w => w.Exited.IsCompleted);
                throw new CliException($"worker {gone.Id} exited before the run finished: {gone.LastLines}");
            }

            await server.Completion.ConfigureAwait(false);
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.StopAsync().ConfigureAwait(false);
            }
        }

        var timed = steps.Skip(setup.Warmup).ToList();
        double seconds = Stopwatch.GetElapsedTime(steps[setup.Warmup - 1].Timestamp, timed[^1].Timestamp).TotalSeconds;
        double bytesPerWorker = timed.Average(s => (double)s.Report.WireBytes / Math.Max(1, s.Report.WorkersUsed));
        long parameterBytes = 4L * setup.Model.ParameterCount;
        return new ClusterBenchmarkLine(
            "cluster", setup.Model.ToString(), setup.Batch, count, setup.Threads, timed.Count, Math.Round(seconds, 4),
            Math.Round(timed.Count * setup.Batch / seconds, 1), Speedup: 1,
            Math.Round(bytesPerWorker), parameterBytes, Math.Round(bytesPerWorker / parameterBytes, 4),
            Ms(timed.Average(s => s.Report.Time.Compute)), Ms(timed.Average(s => s.Report.Time.Communication)),
            Ms(timed.Average(s => s.Report.Time.Reduction)), Ms(timed.Average(s => s.Report.Time.Waiting)),
            Math.Round(loadBefore, 2), Environment.ProcessorCount,
            // What carried the tensors, as measured: through the files only the small messages cross between the nodes.
            Transport: (bytesPerWorker < parameterBytes / 2.0 ? "shared-memory" : "tcp-stream") + (setup.Tls ? "+tls" : string.Empty));
    }

    private static double Ms(double seconds) => Math.Round(seconds * 1e3, 3);

    /// <summary>Per worker count, in the order first measured: the medians over every measurement of that count.</summary>
    internal static IEnumerable<ClusterBenchmarkSummary> Summarize(IReadOnlyList<ClusterBenchmarkLine> lines, int rounds)
    {
        foreach (var group in lines.GroupBy(line => line.Workers))
        {
            var speedups = group.Select(line => line.Speedup).ToArray();
            var first = group.First();
            yield return new ClusterBenchmarkSummary("cluster-summary", first.Model, first.Batch, group.Key, first.ThreadsPerWorker, rounds, speedups.Length,
                Math.Round(Statistics.Median(group.Select(line => line.SamplesPerSecond)), 1),
                Math.Round(Statistics.Median(speedups), 3), speedups.Min(), speedups.Max(),
                Math.Round(Statistics.Median(group.Select(line => line.ComputeMs)), 3), Math.Round(Statistics.Median(group.Select(line => line.CommunicationMs)), 3));
        }
    }

    private static string Format(ClusterBenchmarkSummary summary) => string.Create(CultureInfo.InvariantCulture,
        $"{summary.Workers,7}  {summary.SamplesPerSecondMedian,9:N0}  {summary.SpeedupMedian,7:F2}×  ({summary.SpeedupMin:F2}–{summary.SpeedupMax:F2}× over {summary.Measurements} runs; "
        + $"compute {summary.ComputeMsMedian:F2} ms, communication {summary.CommunicationMsMedian:F2} ms)");

    private static string Format(ClusterBenchmarkLine line) => string.Create(CultureInfo.InvariantCulture,
        $"{line.Workers,7}  {line.SamplesPerSecond,9:N0}  {line.Speedup,7:F2}×  {line.BytesPerStepPerWorker,13:N0}  {line.BytesRatio,7:F3}  "
        + $"{line.ComputeMs,16:F2}  {line.CommunicationMs,13:F2}  {line.ReductionMs,9:F2}  {line.WaitingMs,7:F2}  {line.LoadAverage,4:F2}  {line.Transport}");

    private static int[] ParseCounts(string text)
    {
        var counts = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > 64)
            {
                throw new CliException($"--workers takes worker counts from 1 to 64 separated by commas, not '{text}'.", ExitCodes.Usage);
            }

            counts.Add(count);
        }

        return counts.Count > 0 ? [.. counts] : throw new CliException("--workers needs at least one count.", ExitCodes.Usage);
    }

    /// <summary>Random 28×28 images and labels as raw IDX files (what every node then loads, fingerprint included).</summary>
    private static void WriteSyntheticIdx(string directory, int classes, int trainCount, int testCount)
    {
        Directory.CreateDirectory(directory);
        var rng = new Rng(1);
        WriteSet(directory, "train", classes, trainCount, ref rng);
        WriteSet(directory, "t10k", classes, testCount, ref rng);
    }

    private static void WriteSet(string directory, string prefix, int classes, int count, ref Rng rng)
    {
        int side = DatasetCatalog.ImageSide;
        var pixels = new byte[count * side * side];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)rng.NextUInt32();
        }

        var labels = new byte[count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)rng.NextInt(classes);
        }

        WriteIdx(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), 0x00000803, [count, side, side], pixels);
        WriteIdx(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"), 0x00000801, [count], labels);
    }

    private static void WriteIdx(string path, int magic, int[] dimensions, byte[] body)
    {
        using var file = File.Create(path);
        Span<byte> word = stackalloc byte[4];
        foreach (int value in (int[])[magic, .. dimensions])
        {
            BinaryPrimitives.WriteInt32BigEndian(word, value);
            file.Write(word);
        }

        file.Write(body);
    }

    private sealed record ClusterBenchSetup(ModelSpec Model, int Batch, int Steps, int Warmup, int Threads, bool SharedMemory, bool Tls)
    {
        // A short epoch repeated keeps the synthetic set (which every worker loads) small; an epoch end costs only
        // the evaluation of 256 test images.
        public int StepsPerEpoch => Math.Min(Warmup + Steps, 16);

        public int Epochs => (Warmup + Steps + StepsPerEpoch - 1) / StepsPerEpoch;
    }

    /// <summary>A `clustermnist worker` child process; its output is kept only to explain a failure.</summary>
    private sealed class BenchWorker
    {
        private readonly Process _process;
        private readonly Queue<string> _lines = new();

        private BenchWorker(Process process, string id)
        {
            _process = process;
            Id = id;
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Exited = process.WaitForExitAsync();
        }

        public string Id { get; }

        public Task Exited { get; }

        public string LastLines
        {
            get
            {
                lock (_lines)
                {
                    return string.Join(" | ", _lines);
                }
            }
        }

        public static BenchWorker Start(string dataRoot, int coordinatorPort, bool tls, string id, int threads)
        {
            var start = new ProcessStartInfo
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = dataRoot, // no config/worker.json of the caller's folder
            };
            string? self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "clustermnist")
            {
                start.FileName = self;
            }
            else
            {
                // Run through the dotnet host (as in tests, where this process is the test host).
                start.FileName = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")
                    ?? (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet");
                start.ArgumentList.Add("exec");
                start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clustermnist.dll"));
            }

            string[] security = tls ? ["--cert", Path.Combine(dataRoot, CertificateFile)] : ["--insecure"];
            foreach (string arg in (string[])["worker", "--coordinator", $"127.0.0.1:{coordinatorPort}", "--cluster-bind", "127.0.0.1", "--data", dataRoot,
                .. security, "--id", id, "--threads", threads.ToString(CultureInfo.InvariantCulture)])
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment.Remove(ClusterCertificateSource.PasswordVariable);

            return new BenchWorker(Process.Start(start) ?? throw new CliException($"could not start worker {id}"), id);
        }

        /// <summary>Waits briefly for the exit the run's end causes, then kills what is left.</summary>
        public async Task StopAsync()
        {
            try
            {
                await Exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await Exited.ConfigureAwait(false);
            }
            finally
            {
                _process.Dispose();
            }
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Enqueue(line);
                if (_lines.Count > 5)
                {
                    _lines.Dequeue();
                }
            }
        }
    }
}

/// <summary>One line of `bench cluster --json`: one worker count.</summary>
internal sealed record ClusterBenchmarkLine(
    string Benchmark,
    string Model,
    int Batch,
    int Workers,
    int ThreadsPerWorker,
    int Steps,
    double Seconds,
    double SamplesPerSecond,
    double Speedup,
    double BytesPerStepPerWorker,
    long ParameterBytes,
    double BytesRatio,
    double ComputeMs,
    double CommunicationMs,
    double ReductionMs,
    double WaitingMs,
    double LoadAverage,
    int Cores,
    int Round = 1,
    string Transport = "tcp-stream+tls");

/// <summary>
/// The last lines of `bench cluster --rounds N --json` (N > 1): per worker count, the medians over its measurements;
/// speed-ups are each over the first count of the same round.
/// </summary>
internal sealed record ClusterBenchmarkSummary(
    string Benchmark,
    string Model,
    int Batch,
    int Workers,
    int ThreadsPerWorker,
    int Rounds,
    int Measurements,
    double SamplesPerSecondMedian,
    double SpeedupMedian,
    double SpeedupMin,
    double SpeedupMax,
    double ComputeMsMedian,
    double CommunicationMsMedian);
