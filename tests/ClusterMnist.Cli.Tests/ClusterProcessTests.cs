using System.Text.Json;
using System.Globalization;
using Xunit.Abstractions;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// `clustermnist coordinator` and `clustermnist worker` as real processes on 127.0.0.1 with the real digits-split data
/// (CLUSTERMNIST_DATA; skipped when unset): the cluster ends with train's parameters and refuses a node with another
/// certificate; SIGTERM stops a worker (goodbye, leave, exit 0) and the coordinator (exit 0) within seconds; a
/// coordinator killed and resumed from its checkpoint ends the run at train's parameters with a restarted worker.
/// </summary>
[Collection(nameof(ClusterProcessTests))]
public sealed class ClusterProcessTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(180);
    private static readonly string[] TinyRun = ["--dataset", "digits-split", "--model", "784-32-10", "--epochs", "1", "--seed", "3"];

    private readonly string _directory = Directory.CreateTempSubdirectory("cluster-process-").FullName;

    private static string? DataRoot => Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA") is { Length: > 0 } root ? root : null;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SkippableFact]
    public async Task CoordinatorAndTwoWorkers_EndWithTrainsParameters_AndRefuseANodeWithAnotherCertificate()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        var reference = await CliRunner.RunAsync(["train", "--data", DataRoot, "--json", "--workers", "1", .. TinyRun]);
        Assert.True(reference.ExitCode == 0, reference.Error);
        string expected = JsonDocument.Parse(reference.LastOutputLine).RootElement.GetProperty("param_sha256").GetString()!;
        string other = Path.Combine(_directory, "other.pfx");
        Assert.Equal(0, (await CliRunner.RunAsync("cert", "--out", other)).ExitCode);

        var nodes = new ClusterNodes(_directory);
        using var coordinator = nodes.StartCoordinator(["--min-workers", "2", "--exit-when-done", "--json", "--data", DataRoot, .. TinyRun]);
        int port = await ClusterNodes.ClusterPortAsync(coordinator, StartDeadline);
        using var intruder = nodes.StartWorker(port, "intruder", "--cert", other, "--data", DataRoot);
        using var first = nodes.StartWorker(port, "w1", "--data", DataRoot);
        using var second = nodes.StartWorker(port, "w2", "--data", DataRoot);
        try
        {
            // Its TLS handshake fails against the pinned certificate, and its node shuts itself down.
            Assert.Equal(1, await intruder.WaitForExitAsync(StartDeadline));
            Assert.Contains("TLS handshake", intruder.Error, StringComparison.Ordinal);

            Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
            var summary = JsonDocument.Parse(coordinator.OutputLines[^1]).RootElement;
            Assert.Equal(expected, summary.GetProperty("param_sha256").GetString());
            Assert.Equal(2, summary.GetProperty("workers").GetInt32());
            Assert.Contains(coordinator.OutputLines, line => line.Contains("epoch 1/1", StringComparison.Ordinal)
                && line.Contains("live worker", StringComparison.Ordinal) && line.Contains("communication", StringComparison.Ordinal));
            Assert.DoesNotContain(coordinator.OutputLines, line => line.Contains("intruder", StringComparison.Ordinal));
            Assert.Equal(0, await first.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await second.WaitForExitAsync(StartDeadline));
            Assert.Contains(expected, first.Output, StringComparison.Ordinal);
        }
        finally
        {
            log.WriteLine(coordinator.Output);
            log.WriteLine(first.Output);
            log.WriteLine(intruder.Output + intruder.Error);
        }
    }

    [SkippableFact]
    public async Task Sigterm_MakesAWorkerLeaveAndTheCoordinatorStop_WithinSeconds()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        var nodes = new ClusterNodes(_directory);
        using var coordinator = nodes.StartCoordinator("--data", DataRoot, "--dataset", "digits-split", "--model", "784-32-10", "--epochs", "200",
            "--checkpoint-dir", Path.Combine(_directory, "run", "checkpoints"), "--resume");
        int port = await ClusterNodes.ClusterPortAsync(coordinator, StartDeadline);
        // In a folder that does not exist yet: the worker creates it, as every command does for its output files.
        string readyFile = Path.Combine(_directory, "probes", "w1.ready");
        using var worker = nodes.StartWorker(port, "w1", "--data", DataRoot, "--ready-file", readyFile);
        try
        {
            await worker.WaitForLineAsync("is ready", StartDeadline);
            await coordinator.WaitForLineAsync("Worker w1 is ready", StartDeadline);
            var deadline = DateTime.UtcNow + StartDeadline;
            while (!File.Exists(readyFile) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.True(File.Exists(readyFile), "the ready file should exist while the worker takes shards");

            // It finishes the shards in progress, says goodbye, leaves the cluster and exits 0.
            worker.Terminate();
            Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(45)));
            Assert.Contains("Left the cluster", worker.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(readyFile), "the ready file should be gone once the worker exited");
            await coordinator.WaitForLineAsync("Worker w1 left: signal", StartDeadline);

            coordinator.Terminate();
            Assert.Equal(0, await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            log.WriteLine(coordinator.Output);
            log.WriteLine(worker.Output);
        }
    }

    [SkippableFact]
    public async Task CoordinatorKilledAndResumed_EndsTheRunWithTrainsParameters_ItsWorkerDownsItself_AndItsRestartRejoins()
    {
        Skip.If(DataRoot is null, "CLUSTERMNIST_DATA is not set.");

        string[] run = ["--dataset", "digits-split", "--model", "784-32-10", "--epochs", "20", "--seed", "5"];
        var reference = await CliRunner.RunAsync(["train", "--data", DataRoot, "--json", "--workers", "1", .. run]);
        Assert.True(reference.ExitCode == 0, reference.Error);
        string expected = JsonDocument.Parse(reference.LastOutputLine).RootElement.GetProperty("param_sha256").GetString()!;

        // The restarted coordinator comes back on the same ports, as a container does.
        var (clusterPort, dataPlanePort) = ClusterNodes.FreePorts();
        string[] coordinatorArgs =
        [
            "--cluster-port", clusterPort.ToString(CultureInfo.InvariantCulture), "--data-plane-port", dataPlanePort.ToString(CultureInfo.InvariantCulture),
            "--data", DataRoot, "--checkpoint-dir", Path.Combine(_directory, "checkpoints"), "--checkpoint-every", "50", "--resume", .. run,
        ];
        var nodes = new ClusterNodes(_directory);
        using var first = nodes.StartCoordinator(coordinatorArgs);
        using var worker = nodes.StartWorker(clusterPort, "w1", "--data", DataRoot);
        ClusterProcess? second = null;
        ClusterProcess? restarted = null;
        try
        {
            await first.WaitForLineAsync("epoch 2/20", RunDeadline);
            first.Kill();
            second = nodes.StartCoordinator([.. coordinatorArgs, "--exit-when-done", "--json"]);

            // Cut off from the coordinator it joined, the worker downs itself and exits non-zero; a supervisor
            // (compose's restart: on-failure) starts it again, and it joins the resumed coordinator's new cluster.
            Assert.Equal(1, await worker.WaitForExitAsync(StartDeadline));
            log.WriteLine($"the worker exited: {worker.Error}");
            restarted = nodes.StartWorker(clusterPort, "w1", "--data", DataRoot);

            Assert.Equal(0, await second.WaitForExitAsync(RunDeadline));
            Assert.Contains(second.OutputLines, line => line.Contains("Resuming", StringComparison.Ordinal));
            Assert.Equal(expected, JsonDocument.Parse(second.OutputLines[^1]).RootElement.GetProperty("param_sha256").GetString());
            Assert.Equal(0, await restarted.WaitForExitAsync(StartDeadline));
            Assert.Contains(expected, restarted.Output, StringComparison.Ordinal);
        }
        finally
        {
            log.WriteLine(first.Output);
            log.WriteLine(second?.Output);
            log.WriteLine(worker.Output + worker.Error);
            log.WriteLine(restarted?.Output);
            second?.Dispose();
            restarted?.Dispose();
        }
    }
}
