using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// `clustermnist coordinator` and `clustermnist worker` as real processes on 127.0.0.1 with the real digits-split data
/// (CLUSTERMNIST_DATA; skipped when unset): the cluster ends with train's parameters, a wrong token is refused, and
/// SIGTERM stops a worker (goodbye, exit 0) and the coordinator (exit 0) within seconds.
/// </summary>
[Collection(nameof(ClusterProcessTests))]
public sealed partial class ClusterProcessTests(ITestOutputHelper log) : IDisposable
{
    private const string Token = "process-test-token";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(180);
    private static readonly string[] TinyRun = ["--dataset", "digits-split", "--model", "784-32-10", "--epochs", "1", "--seed", "3"];

    private readonly string _directory = Directory.CreateTempSubdirectory("cluster-process-").FullName;

    private static string? DataRoot => Environment.GetEnvironmentVariable("CLUSTERMNIST_DATA") is { Length: > 0 } root ? root : null;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task CoordinatorAndTwoWorkers_EndWithTrainsParameters_AndRefuseAWrongToken()
    {
        if (DataRoot is null)
        {
            log.WriteLine("CLUSTERMNIST_DATA is not set; skipping.");
            return;
        }

        var reference = await CliRunner.RunAsync(["train", "--data", DataRoot, "--json", "--workers", "1", .. TinyRun]);
        Assert.True(reference.ExitCode == 0, reference.Error);
        string expected = JsonDocument.Parse(reference.LastOutputLine).RootElement.GetProperty("param_sha256").GetString()!;

        using var coordinator = ClusterProcess.Start(_directory,
            ["coordinator", "--bind", "127.0.0.1", "--port", "0", "--min-workers", "2", "--exit-when-done", "--json", "--token", Token, "--data", DataRoot, .. TinyRun]);
        string url = await ListeningUrlAsync(coordinator);
        using var intruder = ClusterProcess.Start(_directory, "worker", "--coordinator", url, "--data", DataRoot, "--dataset", "digits-split", "--token", "wrong", "--id", "intruder");
        using var first = ClusterProcess.Start(_directory, "worker", "--coordinator", url, "--data", DataRoot, "--dataset", "digits-split", "--token", Token, "--id", "w1");
        using var second = ClusterProcess.Start(_directory, "worker", "--coordinator", url, "--data", DataRoot, "--dataset", "digits-split", "--token", Token, "--id", "w2");
        try
        {
            Assert.Equal(1, await intruder.WaitForExitAsync(StartDeadline));
            Assert.Contains("refused", intruder.Error, StringComparison.Ordinal);

            Assert.Equal(0, await coordinator.WaitForExitAsync(RunDeadline));
            var summary = JsonDocument.Parse(coordinator.OutputLines[^1]).RootElement;
            Assert.Equal(expected, summary.GetProperty("param_sha256").GetString());
            Assert.Equal(2, summary.GetProperty("workers").GetInt32());
            Assert.Contains(coordinator.OutputLines, line => line.Contains("epoch 1/1", StringComparison.Ordinal)
                && line.Contains("live worker", StringComparison.Ordinal) && line.Contains("communication", StringComparison.Ordinal));
            Assert.Equal(0, await first.WaitForExitAsync(StartDeadline));
            Assert.Equal(0, await second.WaitForExitAsync(StartDeadline));
            Assert.Contains(expected, first.Output, StringComparison.Ordinal);
        }
        finally
        {
            log.WriteLine(coordinator.Output);
            log.WriteLine(first.Output);
        }
    }

    [Fact]
    public async Task Sigterm_MakesAWorkerLeaveAndTheCoordinatorStop_WithinSeconds()
    {
        if (DataRoot is null)
        {
            log.WriteLine("CLUSTERMNIST_DATA is not set; skipping.");
            return;
        }

        using var coordinator = ClusterProcess.Start(_directory,
            "coordinator", "--bind", "127.0.0.1", "--port", "0", "--token", Token, "--data", DataRoot, "--dataset", "digits-split",
            "--model", "784-32-10", "--epochs", "200", "--checkpoint-dir", Path.Combine(_directory, "checkpoints"), "--resume");
        string url = await ListeningUrlAsync(coordinator);
        using var worker = ClusterProcess.Start(_directory, "worker", "--coordinator", url, "--data", DataRoot, "--dataset", "digits-split", "--token", Token, "--id", "w1");
        try
        {
            await worker.WaitForLineAsync("joined", StartDeadline);

            worker.Terminate();
            Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            Assert.Contains("Left the cluster", worker.Output, StringComparison.Ordinal);
            await coordinator.WaitForLineAsync("w1 left", StartDeadline);

            coordinator.Terminate();
            Assert.Equal(0, await coordinator.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            log.WriteLine(coordinator.Output);
            log.WriteLine(worker.Output);
        }
    }

    [Fact]
    public async Task Worker_RejoinsARestartedCoordinator_AndTheResumedRunEndsWithTrainsParameters()
    {
        if (DataRoot is null)
        {
            log.WriteLine("CLUSTERMNIST_DATA is not set; skipping.");
            return;
        }

        string[] run = ["--dataset", "digits-split", "--model", "784-32-10", "--epochs", "20", "--seed", "5"];
        var reference = await CliRunner.RunAsync(["train", "--data", DataRoot, "--json", "--workers", "1", .. run]);
        Assert.True(reference.ExitCode == 0, reference.Error);
        string expected = JsonDocument.Parse(reference.LastOutputLine).RootElement.GetProperty("param_sha256").GetString()!;

        // The restarted coordinator must come back on the same port, as a container does.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        string port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        probe.Stop();
        string[] coordinatorArgs =
        [
            "coordinator", "--bind", "127.0.0.1", "--port", port, "--token", Token, "--data", DataRoot,
            "--checkpoint-dir", Path.Combine(_directory, "checkpoints"), "--checkpoint-every", "50", "--resume", .. run,
        ];
        using var first = ClusterProcess.Start(_directory, coordinatorArgs);
        string url = await ListeningUrlAsync(first);
        using var worker = ClusterProcess.Start(_directory, "worker", "--coordinator", url, "--data", DataRoot, "--dataset", "digits-split", "--token", Token, "--id", "w1");
        using var second = await RestartAfterEpoch2Async(first, coordinatorArgs);
        try
        {
            Assert.Equal(0, await second.WaitForExitAsync(RunDeadline));
            Assert.Contains(second.OutputLines, line => line.Contains("Resuming", StringComparison.Ordinal));
            Assert.Equal(expected, JsonDocument.Parse(second.OutputLines[^1]).RootElement.GetProperty("param_sha256").GetString());
            Assert.Equal(0, await worker.WaitForExitAsync(StartDeadline));
            Assert.Contains("lost", worker.Output, StringComparison.Ordinal);
        }
        finally
        {
            log.WriteLine(first.Output);
            log.WriteLine(second.Output);
            log.WriteLine(worker.Output);
        }
    }

    private async Task<ClusterProcess> RestartAfterEpoch2Async(ClusterProcess first, string[] coordinatorArgs)
    {
        await first.WaitForLineAsync("epoch 2/20", RunDeadline);
        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        return ClusterProcess.Start(_directory, [.. coordinatorArgs, "--exit-when-done", "--json"]);
    }

    private static async Task<string> ListeningUrlAsync(ClusterProcess coordinator)
    {
        string line = await coordinator.WaitForLineAsync("Listening on", StartDeadline);
        return ListeningOn().Match(line).Groups["url"].Value;
    }

    [GeneratedRegex(@"Listening on (?<url>http://\S+?:\d+)")]
    private static partial Regex ListeningOn();
}
