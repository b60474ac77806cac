namespace ClusterMnist.Cli.Tests;

/// <summary>Range limits as the help and README state them, and usage errors that point to the right help.</summary>
public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("coordinator --port 65535")]
    [InlineData("coordinator --port 0")]
    [InlineData("coordinator --cluster-port 65535")]
    [InlineData("coordinator --data-plane-port 65535")]
    [InlineData("worker --threads 1024")]
    [InlineData("worker --threads 1")]
    [InlineData("train --workers 1024")]
    public void Limits_IncludeBothEnds(string line)
    {
        Assert.Empty(CliApp.Build().Parse(line.Split(' ')).Errors);
    }

    [Theory]
    [InlineData("coordinator --port 65536", "--port must be in [0, 65535], not 65536.")]
    [InlineData("coordinator --port -1", "--port must be in [0, 65535], not -1.")]
    [InlineData("worker --threads 1025", "--threads must be in [1, 1024], not 1025.")]
    [InlineData("worker --threads 0", "--threads must be in [1, 1024], not 0.")]
    [InlineData("train --workers 1025", "--workers must be in [1, 1024], not 1025.")]
    [InlineData("bench predict --rows 100000000", "--rows must be in [1, 65536], not 100000000.")]
    public void Limits_RefuseWhatIsOutside(string line, string message)
    {
        Assert.Equal([message], CliApp.Build().Parse(line.Split(' ')).Errors.Select(e => e.Message));
    }

    [Theory]
    [InlineData("bench train --steps 0", "(see 'clustermnist bench train --help')")]
    [InlineData("bench gemm --batch 0", "(see 'clustermnist bench gemm --help')")]
    [InlineData("train --epochs 0", "(see 'clustermnist train --help')")]
    [InlineData("--no-such-flag", "(see 'clustermnist --help')")]
    public async Task UsageErrors_PointToTheHelpOfTheCommandGiven(string line, string hint)
    {
        var run = await CliRunner.RunAsync(line.Split(' '));

        Assert.Equal(2, run.ExitCode);
        Assert.EndsWith(hint, run.Error.TrimEnd(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notanaddress")]
    [InlineData("coordinator.example")]
    public async Task Coordinator_RefusesABindThatIsNotAnAddress_BeforeListening(string bind)
    {
        // Kestrel would take such a host as "every interface".
        var run = await CliRunner.RunAsync("coordinator", "--bind", bind, "--insecure", "--port", "0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--bind '{bind}' is not an IP address", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--plot")]
    [InlineData("--checkpoint")]
    public async Task Train_RefusesAFolderForAFileItWritesLater_BeforeTraining(string flag)
    {
        string folder = Directory.CreateTempSubdirectory("usage-folder-").FullName;
        try
        {
            var run = await CliRunner.RunAsync("train", "--dataset", "digits-split", "--data", folder, flag, folder);

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"{flag} '{folder}' is a folder", run.Error, StringComparison.Ordinal);
            Assert.Empty(run.Output);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("cosine")]
    [InlineData("step")]
    [InlineData("constant")]
    public async Task Train_RefusesAWarmUpAsLongAsTheRun_NamingTheFlag(string schedule)
    {
        // 200 images at batch 64: 4 steps an epoch, 8 in two epochs.
        using var data = new TinyDataset(trainCount: 200, testCount: 20);

        var run = await CliRunner.RunAsync(
            "train", "--data", data.Root, "--dataset", "mnist", "--model", "784-8-10", "--batch", "64", "--epochs", "2", "--warmup", "8", "--schedule", schedule);

        run.AssertCleanFailure(2, "--warmup 8 must be below the run's 8 steps (2 epochs of 4 steps at batch 64)");
    }

    [Fact]
    public async Task Train_SaysWhenTheBatchIsCutToTheTrainingSet()
    {
        using var data = new TinyDataset(trainCount: 100, testCount: 20);

        var run = await CliRunner.RunAsync(
            "train", "--data", data.Root, "--dataset", "mnist", "--model", "784-8-10", "--batch", "500", "--epochs", "1", "--workers", "1");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("Note: --batch 500 is more than the 100 training images; each step uses the whole set.", run.Output, StringComparison.Ordinal);
        Assert.Contains("batch 100, 1 epoch, 1 worker, seed", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--cluster-port", "another coordinator")]
    [InlineData("--data-plane-port", "another coordinator")]
    [InlineData("--port", "another coordinator or web server")]
    public async Task Coordinator_NamesTheFlag_OfAPortInUse(string flag, string holder)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        string[] ports = ["--port", "0", "--cluster-port", "0", "--data-plane-port", "0"];
        ports[Array.IndexOf(ports, flag) + 1] = $"{port}";

        var run = await CliRunner.RunAsync(["coordinator", "--insecure", "--bind", "127.0.0.1", .. ports]);

        run.AssertCleanFailure(1, $"cannot listen on 127.0.0.1:{port}: the port is already in use (by {holder}?); choose another with {flag}.");
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Worker_NamesTheFlag_OfAPortInUse_WithAHintForAWorker()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var run = await CliRunner.RunAsync("worker", "--insecure", "--coordinator", "127.0.0.1", "--cluster-port", $"{port}");

        run.AssertCleanFailure(1, $"cannot listen on 127.0.0.1:{port}: the port is already in use (by another worker?); choose another with --cluster-port.");
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("--cluster-bind")]
    [InlineData("--bind")]
    public async Task Coordinator_RefusesABindThatIsNotOnThisMachine(string flag)
    {
        // 192.0.2.0/24 is reserved for documentation (RFC 5737): no machine has it.
        var run = await CliRunner.RunAsync("coordinator", "--insecure", flag, "192.0.2.1", "--port", "0", "--cluster-port", "0", "--data-plane-port", "0");

        run.AssertCleanFailure(2, $"{flag} '192.0.2.1' is not an address of this machine");
    }

    [Theory]
    [InlineData("--cluster-port 24100 --data-plane-port 24100", "--cluster-port and --data-plane-port are both 24100; they must differ")]
    [InlineData("--port 24100 --cluster-port 24100", "--port and --cluster-port are both 24100 on overlapping addresses (0.0.0.0 and 127.0.0.1)")]
    [InlineData("--bind 127.0.0.1 --port 24100 --cluster-port 0 --data-plane-port 24100", "--port and --data-plane-port are both 24100")]
    public async Task Coordinator_RefusesOnePortForTwoListeners_NamingBothFlags(string ports, string message)
    {
        var run = await CliRunner.RunAsync(["coordinator", "--insecure", .. ports.Split(' ')]);

        run.AssertCleanFailure(2, message);
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData(":4253")]
    [InlineData("[]")]
    public async Task Worker_RefusesACoordinatorWithoutAHost_AsAUsageError(string coordinator)
    {
        var run = await CliRunner.RunAsync("worker", "--insecure", "--coordinator", coordinator);

        run.AssertCleanFailure(2, $"--coordinator '{coordinator}' is not HOST[:PORT]: the host is missing");
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData(" ", " ")]
    [InlineData("w\n1", "w\\u000a1")]
    [InlineData("a-worker-id-of-129-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "a-worker-id-of-129-bytes-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    public async Task Worker_RefusesAnIdItCannotUse_NamingTheFlagAndTheRule(string id, string shown)
    {
        var run = await CliRunner.RunAsync("worker", "--insecure", "--id", id);

        run.AssertCleanFailure(2, $"--id '{shown}' is not a worker id: a worker id is 1 to 128 bytes of UTF-8, not blank, without control characters.");
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("train --epochs abc", "--epochs takes a whole number up to 2,147,483,647, not 'abc'.")]
    [InlineData("train --epochs 99999999999", "--epochs takes a whole number up to 2,147,483,647, not '99999999999'.")]
    [InlineData("train --seed -1", "--seed takes a whole number from 0 to 18,446,744,073,709,551,615, not '-1'.")]
    [InlineData("train --lr fast", "--lr takes a finite number such as 0.002 or 1e-3, not 'fast'.")]
    public async Task ValuesThatDoNotParse_AreDescribedByKind_NotByClrType(string line, string message)
    {
        var run = await CliRunner.RunAsync(line.Split(' '));

        run.AssertCleanFailure(2, message);
        Assert.DoesNotContain("System.", run.Error, StringComparison.Ordinal);
    }
}
