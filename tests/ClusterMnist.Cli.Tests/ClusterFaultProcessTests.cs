using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// Worker faults against real processes on 127.0.0.1: a coordinator and three `clustermnist worker` processes train
/// the real digits-split set (CLUSTERMNIST_DATA; skipped when unset) while one worker is killed with SIGKILL, frozen
/// with SIGSTOP (then continued: the coordinator has downed it, so it exits non-zero for its supervisor to restart),
/// or a third worker joins mid-run. Every run must end with exactly the parameters of a one-worker run. The loss is
/// detected at the first sign (a lost connection for a kill, the failure detector for a freeze); the measured times
/// are written to the test output, and the assertions only bound them by the failure detector's own settings.
/// </summary>
[Collection(nameof(ClusterProcessTests))]
public sealed partial class ClusterFaultProcessTests(ITestOutputHelper log) : IDisposable
{
    // The cluster's failure detector as configured by default: heartbeats every 0.5 s, a pause of 1.5 s tolerated,
    // unreachable nodes reaped every 0.5 s.
    private static readonly TimeSpan FailureDetection = TimeSpan.FromSeconds(0.5 + 1.5 + 0.5);

    // Slack for a loaded 2-core machine: process scheduling, not protocol time.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(180);

    // 6 micro-shards per step so that each of three workers always holds two. A step takes about 1 ms on a quiet
    // 2-core machine, so 40 epochs of 42 steps last a few seconds: long enough to be interrupted mid-epoch.
    private static readonly string[] Run = ["--dataset", "digits-split", "--model", "784-256-10", "--batch", "192", "--epochs", "40", "--seed", "11"];

    private static readonly SemaphoreSlim ReferenceLock = new(1);
    private static string? _reference;

    private readonly string _directory = Directory.CreateTempSubdirectory("cluster-fault-").FullName;

    private static string? DataRoot => Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA") is { Length: > 0 } root ? root : null;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SkippableFact]
    public async Task WorkerKilledMidEpoch_IsDeclaredDeadWithinTheDeadline_AndTheRunMatchesOneWorker()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        string expected = await ReferenceHashAsync();
        var nodes = new ClusterNodes(_directory);
        using var coordinator = StartCoordinator(nodes, minWorkers: 3);
        int port = await ClusterNodes.ClusterPortAsync(coordinator, StartDeadline);
        using var w1 = StartWorker(nodes, port, "w1");
        using var w2 = StartWorker(nodes, port, "w2");
        using var w3 = StartWorker(nodes, port, "w3");
        try
        {
            await coordinator.WaitForLineAsync("epoch 1/", RunDeadline);
            await Task.Delay(150); // into epoch 2

            var clock = Stopwatch.StartNew();
            w2.Signal(UnixSignal.Kill);
            string dead = await coordinator.WaitForLineAsync(FirstSign("w2"), "w2 suspended or declared dead", StartDeadline);
            var detected = clock.Elapsed;
            log.WriteLine($"SIGKILL w2 → shards reassigned after {detected.TotalSeconds:F2} s: {dead}");
            // The workers of this host exchanged their tensors through shared memory when w2 was killed.
            Assert.Contains("Worker w2 is on this host", coordinator.Output, StringComparison.Ordinal);
            // The first sign of a kill is the lost connection, long before the failure detector would give up on it.
            Assert.True(detected <= FailureDetection + Slack, $"detection took {detected.TotalSeconds:F2} s");

            Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
            ReportStepCompletion(coordinator, "w2");
            Assert.Equal(expected, ParameterHash(coordinator));
            Assert.Equal(0, await w1.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await w3.WaitForExitAsync(StartDeadline));
            Assert.Contains(expected, w1.Output, StringComparison.Ordinal);
        }
        finally
        {
            log.WriteLine(coordinator.Output);
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WorkerStoppedMidEpoch_IsDeclaredDeadByTheFailureDetector_DownedSoItExitsWhenThawed_AndTheRunMatchesOneWorker(bool sharedMemory)
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        string expected = await ReferenceHashAsync();
        WriteSettings("coordinator.json", $$"""{ "Coordinator": { "SharedMemory": {{(sharedMemory ? "true" : "false")}} } }""");
        var nodes = new ClusterNodes(_directory);
        // The last epoch waits for three live workers (--scale-at), so the run cannot end before the frozen worker is
        // downed and thawed, however fast this machine is; its restarted incarnation completes the three.
        using var coordinator = StartCoordinator(nodes, minWorkers: 3, "--scale-at", "40:3");
        int port = await ClusterNodes.ClusterPortAsync(coordinator, StartDeadline);
        using var w1 = StartWorker(nodes, port, "w1");
        using var w2 = StartWorker(nodes, port, "w2");
        using var w3 = StartWorker(nodes, port, "w3");
        ClusterProcess? restarted = null;
        try
        {
            await coordinator.WaitForLineAsync("epoch 1/", RunDeadline);
            await Task.Delay(150);

            var clock = Stopwatch.StartNew();
            w2.Signal(UnixSignal.Stop);
            string dead = await coordinator.WaitForLineAsync(FirstSign("w2"), "w2 suspended", StartDeadline);
            var detected = clock.Elapsed;

            // A frozen worker holds a step: either the one in progress or the next, whose shards it was sent.
            string completed = await coordinator.WaitForLineAsync(line => line.Contains("reassigned shard", StringComparison.Ordinal),
                "a step completed with reassigned shards", StartDeadline);
            var stepDone = clock.Elapsed;
            log.WriteLine($"SIGSTOP w2 → shards reassigned after {detected.TotalSeconds:F2} s: {dead}");
            log.WriteLine($"SIGSTOP w2 → stalled step completed after {stepDone.TotalSeconds:F2} s: {completed}");
            // Its connection stays open, so the failure detector is the first to tell.
            Assert.Contains("no cluster heartbeats", dead, StringComparison.Ordinal);
            Assert.True(detected <= FailureDetection + Slack, $"detection took {detected.TotalSeconds:F2} s");
            Assert.True(stepDone <= (2 * FailureDetection) + Slack, $"the stalled step completed after {stepDone.TotalSeconds:F2} s");
            // Still unreachable after the split brain resolver's stable-after: its node is downed for good.
            log.WriteLine($"SIGSTOP w2 → downed after {clock.Elapsed.TotalSeconds:F2} s: "
                + await coordinator.WaitForLineAsync(DeclaredDead("w2"), "w2 declared dead", StartDeadline));

            // Thawed, it learns that it was downed: it must not come back as it was, so it exits non-zero for its
            // supervisor to start it again as a new incarnation. Its late answer, if it sent one, is ignored.
            w2.Signal(UnixSignal.Continue);
            Assert.Equal(1, await w2.WaitForExitAsync(StartDeadline));
            log.WriteLine($"thawed w2 exited: {w2.Error}");

            // What compose's restart policy does: the same worker again, on a new port. It joins and the run ends.
            restarted = StartWorker(nodes, port, "w2");
            Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
            Assert.Equal(expected, ParameterHash(coordinator));
            log.WriteLine($"late answers ignored: {LateAnswersIgnored(coordinator)}");
            Assert.Equal(sharedMemory, coordinator.Output.Contains("Worker w2 is on this host", StringComparison.Ordinal));
            Assert.Equal(0, await w1.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await w3.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await restarted.WaitForExitAsync(StartDeadline));
            Assert.True(ShardsDone(restarted) > 0, $"the restarted w2 computed no shard:\n{restarted.Output}");
        }
        finally
        {
            log.WriteLine(coordinator.Output);
            log.WriteLine(w2.Output + w2.Error);
            restarted?.Dispose();
        }
    }

    [SkippableFact]
    public async Task WorkerJoiningMidRun_TakesShards_AndTheRunMatchesOneWorker()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        string expected = await ReferenceHashAsync();
        var nodes = new ClusterNodes(_directory);
        // Training starts with two workers; epoch 2 waits for a third (--scale-at), which starts only once the run has.
        using var coordinator = StartCoordinator(nodes, minWorkers: 2, "--scale-at", "2:3");
        int port = await ClusterNodes.ClusterPortAsync(coordinator, StartDeadline);
        using var w1 = StartWorker(nodes, port, "w1");
        using var w2 = StartWorker(nodes, port, "w2");
        try
        {
            await coordinator.WaitForLineAsync("2 live", StartDeadline);
            using var w3 = StartWorker(nodes, port, "w3");
            try
            {
                await coordinator.WaitForLineAsync("Worker w3 joined", RunDeadline);
                Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
                Assert.Equal(expected, ParameterHash(coordinator));

                var lines = coordinator.OutputLines;
                int joined = Array.FindIndex(lines, line => line.Contains("Worker w3 joined", StringComparison.Ordinal));
                int complete = Array.FindIndex(lines, line => line.Contains("Training complete", StringComparison.Ordinal));
                int firstEpoch = Array.FindIndex(lines, line => line.Contains("epoch 1/", StringComparison.Ordinal));
                Assert.InRange(joined, firstEpoch + 1, complete);
                Assert.Contains(lines, line => line.Contains("Epoch 2 waits for 3 live worker(s)", StringComparison.Ordinal));
                Assert.Single(lines, line => line.Contains("poch 2/", StringComparison.Ordinal)); // one epoch line, not two
                Assert.Equal(0, await w3.WaitForExitAsync(StartDeadline));
                long shards = ShardsDone(w3);
                log.WriteLine($"w3 joined at line {joined} of {lines.Length} and computed {shards} shard(s)");
                Assert.True(shards > 0, $"w3 joined but computed no shard:\n{w3.Output}");
                Assert.Equal(0, await w1.WaitForExitAsync(StartDeadline));
            }
            finally
            {
                log.WriteLine(w3.Output);
            }
        }
        finally
        {
            log.WriteLine(coordinator.Output);
        }
    }

    [Fact]
    public async Task CoordinatorResumingAFinishedRun_EndsAtOnce_WithoutWaitingForWorkers()
    {
        using var tiny = new TinyDataset(trainCount: 200, testCount: 50);
        string[] coordinatorArgs =
        [
            "--data", tiny.Root, "--dataset", "mnist", "--model", "784-16-10", "--epochs", "1", "--batch", "64",
            "--checkpoint-dir", Path.Combine(_directory, "checkpoints"), "--resume", "--exit-when-done", "--json",
        ];
        var nodes = new ClusterNodes(_directory);
        using var first = nodes.StartCoordinator(coordinatorArgs);
        int port = await ClusterNodes.ClusterPortAsync(first, StartDeadline);
        using var worker = nodes.StartWorker(port, "w1", "--data", tiny.Root);
        Assert.Equal(0, await first.WaitForExitAsync(RunDeadline));
        Assert.Equal(0, await worker.WaitForExitAsync(StartDeadline));
        Assert.Single(worker.OutputLines, line => line.Contains("finished", StringComparison.OrdinalIgnoreCase));

        // The checkpoint holds the finished run: no worker is needed and none is promised.
        using var resumed = nodes.StartCoordinator(coordinatorArgs);
        Assert.Equal(0, await resumed.WaitForExitAsync(StartDeadline));
        log.WriteLine(resumed.Output);
        Assert.Contains(resumed.OutputLines, line => line.Contains("already complete", StringComparison.Ordinal));
        Assert.DoesNotContain(resumed.OutputLines, line => line.Contains("waiting for", StringComparison.Ordinal));
        Assert.Equal(ParameterHash(first), ParameterHash(resumed));
    }

    /// <summary>The one-worker parameters of <see cref="Run"/>, trained once in process and shared by the tests.</summary>
    private static async Task<string> ReferenceHashAsync()
    {
        await ReferenceLock.WaitAsync();
        try
        {
            if (_reference is null)
            {
                var reference = await CliRunner.RunAsync(["train", "--data", DataRoot!, "--json", "--workers", "1", .. Run]);
                Assert.True(reference.ExitCode == 0, reference.Error);
                _reference = JsonDocument.Parse(reference.LastOutputLine).RootElement.GetProperty("param_sha256").GetString()!;
            }

            return _reference;
        }
        finally
        {
            ReferenceLock.Release();
        }
    }

    // Settings files in the working directory, where `coordinator` and `worker` look for config/*.json.
    private void WriteSettings(string name, string json)
    {
        Directory.CreateDirectory(Path.Combine(_directory, "config"));
        File.WriteAllText(Path.Combine(_directory, "config", name), json);
    }

    private static ClusterProcess StartCoordinator(ClusterNodes nodes, int minWorkers, params string[] more) => nodes.StartCoordinator(
        ["--min-workers", minWorkers.ToString(CultureInfo.InvariantCulture), "--exit-when-done", "--json", "--data", DataRoot!, .. Run, .. more]);

    private static ClusterProcess StartWorker(ClusterNodes nodes, int port, string id) => nodes.StartWorker(port, id, "--data", DataRoot!);

    // Gone for good (downed, removed, its stream closed, a missed deadline): "Worker ID … declaring it dead".
    private static Func<string, bool> DeclaredDead(string id) =>
        line => line.Contains($"Worker {id} ", StringComparison.Ordinal) && line.Contains("declaring it dead", StringComparison.Ordinal);

    // The first sign moves the shards: suspended as unreachable (a lost connection, the failure detector), or dead.
    private static Func<string, bool> FirstSign(string id) =>
        line => line.Contains($"Worker {id} ", StringComparison.Ordinal)
            && (line.Contains("is unreachable", StringComparison.Ordinal) || line.Contains("declaring it dead", StringComparison.Ordinal));

    private void ReportStepCompletion(ClusterProcess coordinator, string id)
    {
        string? reassigned = coordinator.OutputLines.FirstOrDefault(line => line.Contains($"from {id}", StringComparison.Ordinal) && line.Contains("Reassigning", StringComparison.Ordinal));
        string? completed = coordinator.OutputLines.FirstOrDefault(line => line.Contains("reassigned shard", StringComparison.Ordinal));
        log.WriteLine(reassigned is null
            ? $"{id} held no shards when it died (it had answered its step)"
            : $"{reassigned}\n{completed}");
    }

    private static string ParameterHash(ClusterProcess coordinator) =>
        JsonDocument.Parse(coordinator.OutputLines[^1]).RootElement.GetProperty("param_sha256").GetString()!;

    private static long LateAnswersIgnored(ClusterProcess coordinator) => coordinator.OutputLines
        .Select(line => LateAnswers().Match(line))
        .Where(match => match.Success)
        .Sum(match => long.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture));

    private static long ShardsDone(ClusterProcess worker) =>
        WorkerShards().Match(worker.Output) is { Success: true } match ? long.Parse(match.Groups["n"].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"(?<n>\d+) late answer\(s\) ignored")]
    private static partial Regex LateAnswers();

    [GeneratedRegex(@"Training finished after (?<n>[\d,]+) shard\(s\)")]
    private static partial Regex WorkerShards();
}
