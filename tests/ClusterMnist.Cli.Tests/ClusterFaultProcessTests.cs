using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// Worker faults against real processes on 127.0.0.1: a coordinator and three `clustermnist worker` processes train
/// the real digits-split set (CLUSTERMNIST_DATA; skipped when unset) while one worker is killed with SIGKILL, frozen
/// with SIGSTOP (then continued, so its stale answers arrive late), or a third worker joins mid-run. Every run must
/// end with exactly the parameters of a one-worker run, and the failure must be detected within the default worker
/// timeout (3 s) plus a heartbeat and a deadline check. The detection times are written to the test output.
/// </summary>
[Collection(nameof(ClusterProcessTests))]
public sealed partial class ClusterFaultProcessTests(ITestOutputHelper log) : IDisposable
{
    private const string Token = "fault-test-token";

    // Coordinator defaults under test: WorkerTimeout 3 s, heartbeats every 1 s, deadlines checked every 0.75 s.
    private static readonly TimeSpan WorkerTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DeadlineCheck = WorkerTimeout / 4;

    // Slack for a loaded 2-core machine: process scheduling, not protocol time.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(120);

    // 6 micro-shards per step so that each of three workers always holds two. A step takes about 1 ms on a quiet
    // 2-core machine, so 40 epochs of 42 steps last a few seconds: long enough to be interrupted mid-epoch, and for a
    // worker frozen in epoch 2 to be thawed and readmitted (heartbeat 1 s) before the run ends.
    private static readonly string[] Run = ["--dataset", "digits-split", "--model", "784-256-10", "--batch", "192", "--epochs", "40", "--seed", "11"];

    private static readonly SemaphoreSlim ReferenceLock = new(1);
    private static string? _reference;

    private readonly string _directory = Directory.CreateTempSubdirectory("cluster-fault-").FullName;

    private static string? DataRoot => Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA") is { Length: > 0 } root ? root : null;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WorkerKilledMidEpoch_IsDeclaredDeadWithinTheDeadline_AndTheRunMatchesOneWorker()
    {
        if (DataRoot is null)
        {
            log.WriteLine("CLUSTERMNIST_DATA is not set; skipping.");
            return;
        }

        string expected = await ReferenceHashAsync();
        using var coordinator = StartCoordinator(minWorkers: 3);
        string url = await ListeningUrlAsync(coordinator);
        using var w1 = StartWorker(url, "w1");
        using var w2 = StartWorker(url, "w2");
        using var w3 = StartWorker(url, "w3");
        try
        {
            await coordinator.WaitForLineAsync("epoch 1/", RunDeadline);
            await Task.Delay(150); // into epoch 2

            var clock = Stopwatch.StartNew();
            w2.Signal(UnixSignal.Kill);
            string dead = await coordinator.WaitForLineAsync(DeclaredDead("w2"), "w2 declared dead", StartDeadline);
            var detected = clock.Elapsed;
            log.WriteLine($"SIGKILL w2 → declared dead after {detected.TotalSeconds:F2} s: {dead}");
            // The workers of this host exchanged their tensors through shared memory when w2 was killed.
            Assert.Contains("Worker w2 is on this host", coordinator.Output, StringComparison.Ordinal);
            Assert.True(detected <= WorkerTimeout + Heartbeat + DeadlineCheck + Slack, $"detection took {detected.TotalSeconds:F2} s");

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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WorkerStoppedMidEpoch_IsDeclaredDeadWithinTheDeadline_ItsLateAnswerIgnored_ItIsReadmitted_AndTheRunMatchesOneWorker(bool sharedMemory)
    {
        if (DataRoot is null)
        {
            log.WriteLine("CLUSTERMNIST_DATA is not set; skipping.");
            return;
        }

        string expected = await ReferenceHashAsync();

        // With the defaults the connection heartbeat (also 3 s) may close the frozen worker's socket first, and the
        // thawed worker then rejoins over a new one. Here the connections outlive the freeze, so it is the
        // coordinator's own WorkerTimeout that must catch the silence, and the stale answer really arrives.
        WriteSettings("coordinator.json", $$"""{ "Cluster": { "HeartbeatTimeoutSeconds": 20 }, "Coordinator": { "SharedMemory": {{(sharedMemory ? "true" : "false")}} } }""");
        WriteSettings("worker.json", """{ "Cluster": { "HeartbeatTimeoutSeconds": 20 } }""");
        using var coordinator = StartCoordinator(minWorkers: 3);
        string url = await ListeningUrlAsync(coordinator);
        using var w1 = StartWorker(url, "w1");
        using var w2 = StartWorker(url, "w2");
        using var w3 = StartWorker(url, "w3");
        try
        {
            await coordinator.WaitForLineAsync("epoch 1/", RunDeadline);
            await Task.Delay(150);

            var clock = Stopwatch.StartNew();
            w2.Signal(UnixSignal.Stop);
            string dead = await coordinator.WaitForLineAsync(DeclaredDead("w2"), "w2 declared dead", StartDeadline);
            var detected = clock.Elapsed;

            // A frozen worker holds a step: either the one in progress or the next, whose shards it was sent.
            string completed = await coordinator.WaitForLineAsync(line => line.Contains("reassigned shard", StringComparison.Ordinal),
                "a step completed with reassigned shards", StartDeadline);
            var stepDone = clock.Elapsed;
            log.WriteLine($"SIGSTOP w2 → declared dead after {detected.TotalSeconds:F2} s: {dead}");
            log.WriteLine($"SIGSTOP w2 → stalled step completed after {stepDone.TotalSeconds:F2} s: {completed}");
            Assert.True(detected >= WorkerTimeout - Heartbeat, $"declared dead after only {detected.TotalSeconds:F2} s of silence");
            Assert.True(detected <= WorkerTimeout + Heartbeat + DeadlineCheck + Slack, $"detection took {detected.TotalSeconds:F2} s");
            Assert.True(stepDone <= (2 * WorkerTimeout) + Slack, $"the stalled step completed after {stepDone.TotalSeconds:F2} s");

            // Thawed, it computes the shards it still holds and answers: the coordinator must ignore that answer.
            Assert.Contains("silent", dead, StringComparison.Ordinal);
            w2.Signal(UnixSignal.Continue);
            log.WriteLine(await coordinator.WaitForLineAsync("Worker w2 is back", StartDeadline));

            Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
            Assert.Equal(expected, ParameterHash(coordinator));
            long late = LateAnswersIgnored(coordinator);
            log.WriteLine($"late answers ignored: {late}");
            Assert.Equal(sharedMemory, coordinator.Output.Contains("Worker w2 is on this host", StringComparison.Ordinal));
            if (sharedMemory)
            {
                // Through shared memory, a thawed worker whose parameter version is gone from the file sees that its
                // assignment is stale and skips it; one that was computing when frozen still answers late.
                long skipped = w2.OutputLines.Count(line => line.Contains("skipped assignment", StringComparison.Ordinal));
                log.WriteLine($"stale assignments skipped by w2: {skipped}");
                Assert.True(late + skipped >= 1, "the thawed worker neither answered late nor skipped a stale assignment");
            }
            else
            {
                Assert.True(late >= 1, "the thawed worker's stale answer was not counted as ignored");
            }
            Assert.Equal(0, await w1.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await w2.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await w3.WaitForExitAsync(StartDeadline));
        }
        finally
        {
            log.WriteLine(coordinator.Output);
            log.WriteLine(w2.Output);
        }
    }

    [Fact]
    public async Task WorkerJoiningMidRun_TakesShards_AndTheRunMatchesOneWorker()
    {
        if (DataRoot is null)
        {
            log.WriteLine("CLUSTERMNIST_DATA is not set; skipping.");
            return;
        }

        string expected = await ReferenceHashAsync();
        using var coordinator = StartCoordinator(minWorkers: 2);
        string url = await ListeningUrlAsync(coordinator);
        using var w1 = StartWorker(url, "w1");
        using var w2 = StartWorker(url, "w2");
        try
        {
            // Training starts as the second worker joins; the third starts only then.
            await coordinator.WaitForLineAsync("2 live", StartDeadline);
            using var w3 = StartWorker(url, "w3");
            try
            {
                await coordinator.WaitForLineAsync("Worker w3 joined", RunDeadline);
                Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
                Assert.Equal(expected, ParameterHash(coordinator));

                var lines = coordinator.OutputLines;
                int joined = Array.FindIndex(lines, line => line.Contains("Worker w3 joined", StringComparison.Ordinal));
                int complete = Array.FindIndex(lines, line => line.Contains("Training complete", StringComparison.Ordinal));
                Assert.InRange(joined, 0, complete);
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
            "coordinator", "--bind", "127.0.0.1", "--port", "0", "--token", Token, "--data", tiny.Root, "--dataset", "mnist",
            "--model", "784-16-10", "--epochs", "1", "--batch", "64", "--checkpoint-dir", Path.Combine(_directory, "checkpoints"),
            "--resume", "--exit-when-done", "--json",
        ];
        using var first = ClusterProcess.Start(_directory, coordinatorArgs);
        string url = await ListeningUrlAsync(first);
        using var worker = ClusterProcess.Start(_directory, "worker", "--coordinator", url, "--data", tiny.Root, "--dataset", "mnist", "--token", Token, "--id", "w1");
        Assert.Equal(0, await first.WaitForExitAsync(RunDeadline));
        Assert.Equal(0, await worker.WaitForExitAsync(StartDeadline));
        Assert.Single(worker.OutputLines, line => line.Contains("finished", StringComparison.OrdinalIgnoreCase));

        // The checkpoint holds the finished run: no worker is needed and none is promised.
        using var resumed = ClusterProcess.Start(_directory, coordinatorArgs);
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

    private ClusterProcess StartCoordinator(int minWorkers) => ClusterProcess.Start(_directory,
        ["coordinator", "--bind", "127.0.0.1", "--port", "0", "--min-workers", minWorkers.ToString(CultureInfo.InvariantCulture),
         "--exit-when-done", "--json", "--token", Token, "--data", DataRoot!, .. Run]);

    private ClusterProcess StartWorker(string url, string id) => ClusterProcess.Start(_directory,
        "worker", "--coordinator", url, "--data", DataRoot!, "--dataset", "digits-split", "--token", Token, "--id", id);

    // Silence, a closed connection and a failed send all end in "Worker ID … declaring it dead".
    private static Func<string, bool> DeclaredDead(string id) =>
        line => line.Contains($"Worker {id} ", StringComparison.Ordinal) && line.Contains("declaring it dead", StringComparison.Ordinal);

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

    private static async Task<string> ListeningUrlAsync(ClusterProcess coordinator)
    {
        string line = await coordinator.WaitForLineAsync("Listening on", StartDeadline);
        return ListeningOn().Match(line).Groups["url"].Value;
    }

    [GeneratedRegex(@"Listening on (?<url>http://\S+?:\d+)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"(?<n>\d+) late answer\(s\) ignored")]
    private static partial Regex LateAnswers();

    [GeneratedRegex(@"Training finished after (?<n>[\d,]+) shard\(s\)")]
    private static partial Regex WorkerShards();
}
