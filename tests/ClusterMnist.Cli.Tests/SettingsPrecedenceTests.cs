using System.Collections;
using System.CommandLine;
using ClusterMnist.Cli.Commands;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Tests;

/// <summary>config/*.json, then ClusterMnist__Section__Key, then flags; bad settings stop the program naming the key.</summary>
public sealed class SettingsPrecedenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Coordinator_TakesFlagOverEnvironmentOverFile()
    {
        WriteConfig("coordinator.json", """{ "Coordinator": { "Port": 9001, "MinWorkers": 3, "Bind": "127.0.0.1" }, "Training": { "Epochs": 7, "Batch": 32, "Model": "784-16-10" } }""");
        var env = Env(("ClusterMnist__Coordinator__Port", "9002"), ("ClusterMnist__Training__Epochs", "8"), ("CLUSTERMNIST_CERT", "cluster.pfx"));

        var fileAndEnv = ReadCoordinator(env);
        var flags = ReadCoordinator(env, null, "--port", "9003", "--epochs", "9");

        Assert.Equal(9002, fileAndEnv.Port);
        Assert.Equal(8, fileAndEnv.Training.Epochs);
        Assert.Equal(3, fileAndEnv.MinWorkers);
        Assert.Equal(32, fileAndEnv.Training.Batch);
        Assert.Equal("784-16-10", fileAndEnv.Training.Model);
        Assert.Equal("http://127.0.0.1:9002", fileAndEnv.Url);
        Assert.Equal(9003, flags.Port);
        Assert.Equal(9, flags.Training.Epochs);
        Assert.Equal(32, flags.Training.Batch);
    }

    [Fact]
    public void Coordinator_UsesBuiltInDefaults_WhenThereIsNoFile()
    {
        var settings = ReadCoordinator(Env(("CLUSTERMNIST_CERT", "cluster.pfx")));

        Assert.Null(settings.SettingsFile);
        Assert.Equal("http://0.0.0.0:8080", settings.Url);
        Assert.Equal(1, settings.MinWorkers);
        Assert.False(settings.Resume);
        Assert.Equal(TrainSettings.Default.Model, settings.Training.Model);
        Assert.Equal(TimeSpan.FromMilliseconds(50), settings.PublishInterval);
    }

    [Fact]
    public void ShippedConfigFiles_ReadAsTheBuiltInDefaults()
    {
        string repository = RepositoryRoot();
        var env = Env(("CLUSTERMNIST_CERT", "cluster.pfx"));

        var coordinator = ReadCoordinator(env, repository);
        var worker = ReadWorker(env, repository, "--id", "w");

        Assert.Equal(Path.Combine(repository, "config", "coordinator.json"), coordinator.SettingsFile);
        Assert.Equal(ReadCoordinator(env) with { SettingsFile = null }, coordinator with { SettingsFile = null });
        Assert.Equal(Path.Combine(repository, "config", "worker.json"), worker.SettingsFile);
        Assert.Equal(ReadWorker(env, _directory, "--id", "w") with { SettingsFile = null }, worker with { SettingsFile = null });
    }

    [Fact]
    public void Preset_ReplacesTheFilesTrainingValues_ButFlagsStillWin()
    {
        WriteConfig("coordinator.json", """{ "Training": { "Model": "784-16-10", "Dataset": "digits-split" } }""");

        var settings = ReadCoordinator(Env(("CLUSTERMNIST_CERT", "cluster.pfx")), null, "--preset", "seed", "--lr", "0.5");

        Assert.Equal(TrainSettings.SeedPreset.Model, settings.Training.Model);
        Assert.Equal("digits-split", settings.Training.Dataset);
        Assert.Equal(0.5f, settings.Training.LearningRate);
    }

    [Fact]
    public void Worker_TakesFlagOverEnvironmentOverFile()
    {
        WriteConfig("worker.json", """{ "Worker": { "Threads": 2, "Coordinator": "file:4100", "Id": "from-file" } }""");
        var env = Env(("ClusterMnist__Worker__Threads", "3"), ("ClusterMnist__Cluster__Cert", "cluster.pfx"));

        var fromEnv = ReadWorker(env);
        var fromFlags = ReadWorker(env, null, "--threads", "4", "--coordinator", "flag");

        Assert.Equal(3, fromEnv.Threads);
        Assert.Equal(("file", 4100), (fromEnv.CoordinatorHost, fromEnv.CoordinatorPort));
        Assert.Equal("from-file", fromEnv.Id);
        Assert.Equal(4, fromFlags.Threads);
        Assert.Equal(("flag", 4053), (fromFlags.CoordinatorHost, fromFlags.CoordinatorPort));
    }

    [Fact]
    public void Certificate_ComesFromFlag_ThenSettingVariable_ThenClusterMnistCert_ThenFile()
    {
        WriteConfig("worker.json", """{ "Cluster": { "Cert": "file.pfx" } }""");

        Assert.Equal("file.pfx", ReadWorker(Env()).Node.CertificatePath);
        Assert.Equal("plain.pfx", ReadWorker(Env(("CLUSTERMNIST_CERT", "plain.pfx"))).Node.CertificatePath);
        Assert.Equal("setting.pfx", ReadWorker(Env(("CLUSTERMNIST_CERT", "plain.pfx"), ("ClusterMnist__Cluster__Cert", "setting.pfx"))).Node.CertificatePath);
        Assert.Equal("flag.pfx", ReadWorker(Env(("CLUSTERMNIST_CERT", "plain.pfx")), null, "--cert", "flag.pfx").Node.CertificatePath);
    }

    [Fact]
    public void MissingCertificate_IsAUsageError_UnlessInsecure_WhichKeepsTheClusterOnLoopback()
    {
        var error = Assert.Throws<CliException>(() => ReadCoordinator(Env()));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("CLUSTERMNIST_CERT", error.Message, StringComparison.Ordinal);
        Assert.Contains("clustermnist cert --out", error.Message, StringComparison.Ordinal);

        var insecure = ReadCoordinator(Env(), null, "--insecure");
        Assert.True(insecure.Node.Insecure);
        Assert.Equal("127.0.0.1", insecure.Node.Bind);
        Assert.Equal("0.0.0.0", ReadCoordinator(Env(("CLUSTERMNIST_CERT", "c.pfx"))).Node.Bind);
        Assert.Equal("10.1.2.3", ReadCoordinator(Env(), null, "--insecure", "--cluster-bind", "10.1.2.3").Node.Bind);

        var both = Assert.Throws<CliException>(() => ReadWorker(Env(("CLUSTERMNIST_CERT", "c.pfx")), null, "--insecure"));
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
    }

    [Fact]
    public void BindLocalhostWithAFreePort_IsAUsageErrorNamingBothFlags()
    {
        var error = Assert.Throws<CliException>(() => ReadCoordinator(Env(), null, "--insecure", "--bind", "localhost", "--port", "0"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("--bind localhost cannot be combined with --port 0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, ReadCoordinator(Env(), null, "--insecure", "--bind", "127.0.0.1", "--port", "0").Port);
    }

    [Fact]
    public void InsecureWithACertificateFromTheEnvironment_IsAUsageErrorNamingTheVariable()
    {
        // A CLUSTERMNIST_CERT forgotten in the shell: the message must say where the certificate came from.
        var worker = Assert.Throws<CliException>(() => ReadWorker(Env(("CLUSTERMNIST_CERT", "c.pfx")), null, "--insecure"));
        var coordinator = Assert.Throws<CliException>(() => ReadCoordinator(Env(("CLUSTERMNIST_CERT", "c.pfx")), null, "--insecure"));

        foreach (var error in new[] { worker, coordinator })
        {
            Assert.Equal(ExitCodes.Usage, error.ExitCode);
            Assert.Equal("--insecure and a cluster certificate (c.pfx, from the environment variable CLUSTERMNIST_CERT) contradict each other; "
                + "give one (unset CLUSTERMNIST_CERT to run without TLS, or drop --insecure).", error.Message);
        }

        var fromFlag = Assert.Throws<CliException>(() => ReadWorker(Env(), null, "--insecure", "--cert", "f.pfx"));
        Assert.Contains("(f.pfx, from --cert)", fromFlag.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InsecureFromTheEnvironment_WithACertificateFlag_NamesTheVariable_NotTheFlag()
    {
        var error = Assert.Throws<CliException>(() => ReadWorker(Env(("ClusterMnist__Cluster__Insecure", "true")), null, "--cert", "f.pfx"));

        Assert.StartsWith("Cluster:Insecure in the environment variable ClusterMnist__Cluster__Insecure and a cluster certificate (f.pfx, from --cert)",
            error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(drop --cert to run without TLS, or unset ClusterMnist__Cluster__Insecure).", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--insecure", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCertificateFile_NamedByTheEnvironment_IsAUsageErrorNamingTheVariable()
    {
        string missing = Path.Combine(_directory, "gone", "cluster.pfx");
        var env = Env(("CLUSTERMNIST_CERT", missing));

        var error = Assert.Throws<CliException>(() => ReadWorker(env, null, "--coordinator", "127.0.0.1:4053").Node.Resolve("worker", "127.0.0.1", 4053, env));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith($"cluster certificate {missing} (from the environment variable CLUSTERMNIST_CERT) not found", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(Unset CLUSTERMNIST_CERT if it is left over from another cluster.)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCertificateFile_NamedByTheFlag_SaysNothingOfTheEnvironment()
    {
        string missing = Path.Combine(_directory, "gone", "cluster.pfx");
        var env = Env(("CLUSTERMNIST_CERT", "other.pfx"));

        var error = Assert.Throws<CliException>(() => ReadWorker(env, null, "--cert", missing).Node.Resolve("worker", "127.0.0.1", 4053, env));

        Assert.StartsWith($"cluster certificate {missing} not found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("CLUSTERMNIST_CERT", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("coordinator", false, "coordinator", 4053)]
    [InlineData("coordinator:4100", false, "coordinator", 4100)]
    [InlineData("10.0.0.5:1", false, "10.0.0.5", 1)]
    [InlineData("[::1]:4100", false, "::1", 4100)]
    [InlineData("[::1]", false, "::1", 4053)]
    [InlineData("::1", false, "::1", 4053)]
    [InlineData("[fe80::1:2]:4100", false, "fe80::1:2", 4100)]
    [InlineData("akka.tcp://clustermnist@[::1]:4062", true, "::1", 4062)]
    [InlineData("akka.ssl.tcp://clustermnist@coordinator:4060", false, "coordinator", 4060)]
    [InlineData("akka.tcp://clustermnist@127.0.0.1:4061", true, "127.0.0.1", 4061)]
    public void CoordinatorAddress_IsHostAndPort_OrAClusterAddress(string text, bool insecure, string host, int port)
    {
        Assert.Equal((host, port), WorkerRunSettings.ParseCoordinator(text, insecure));
    }

    [Theory]
    [InlineData("coordinator:0", false, "valid port")]
    [InlineData("coordinator:http", false, "valid port")]
    [InlineData("http://coordinator:8080", false, "HOST[:PORT]")]
    [InlineData("akka.tcp://clustermnist@coordinator:4053", false, "use akka.ssl.tcp://")]
    [InlineData("akka.ssl.tcp://other@coordinator:4053", false, "actor system 'other'")]
    [InlineData("", false, "not HOST[:PORT]")]
    [InlineData(":4253", false, "the host is missing")]
    [InlineData("[]:4253", false, "the host is missing")]
    [InlineData("[::1", false, "brackets hold an IPv6 address")]
    [InlineData("[coordinator]:4053", false, "brackets hold an IPv6 address")]
    [InlineData("[::1]4053", false, "brackets hold an IPv6 address")]
    [InlineData("coordinator:4053:1", false, "put an IPv6 address in brackets")]
    public void CoordinatorAddress_ThatIsNeither_IsAUsageErrorSayingWhy(string text, bool insecure, string fragment)
    {
        var error = Assert.Throws<CliException>(() => WorkerRunSettings.ParseCoordinator(text, insecure));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "[::1]:4253", "::1")]
    [InlineData(false, "[::1]:4253", "::")]
    [InlineData(true, "127.0.0.1:4253", "127.0.0.1")]
    [InlineData(false, "coordinator:4253", "0.0.0.0")]
    public void Worker_BindsTheAddressFamilyOfItsCoordinator_ByDefault(bool insecure, string coordinator, string bind)
    {
        // Bound to 0.0.0.0, a worker would name itself by its IPv6 route to the coordinator and never be reached there.
        var env = insecure ? Env() : Env(("CLUSTERMNIST_CERT", "cluster.pfx"));
        string[] args = insecure ? ["--insecure", "--coordinator", coordinator] : ["--coordinator", coordinator];

        var settings = ReadWorker(env, null, args);

        Assert.Equal(bind, settings.Node.Bind);
    }

    [Fact]
    public void ClusterBindAndPublicHost_TakeIPv6AddressesWithOrWithoutBrackets()
    {
        var env = Env(("CLUSTERMNIST_CERT", "cluster.pfx"));

        var bracketed = ReadCoordinator(env, null, "--cluster-bind", "[::1]", "--public-host", "[::1]").Node;
        var bare = ReadWorker(env, null, "--coordinator", "[::1]", "--cluster-bind", "::", "--public-host", "::1").Node;

        Assert.Equal(("::1", "::1"), (bracketed.Bind, bracketed.PublicHost));
        Assert.Equal(("::", "::1"), (bare.Bind, bare.PublicHost));
    }

    [Fact]
    public void UnknownKeyInFile_IsAUsageErrorNamingKeyAndFile()
    {
        string path = WriteConfig("coordinator.json", """{ "Coordinator": { "Prot": 9000 } }""");

        var error = Assert.Throws<CliException>(() => ReadCoordinator(Env(("CLUSTERMNIST_CERT", "cluster.pfx"))));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("'Coordinator:Prot'", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ClusterMnist__Coordinator__Port", "eighty", "'Coordinator:Port'")]
    [InlineData("ClusterMnist__Coordinator__Port", "70000", "from 0 to 65535")]
    [InlineData("ClusterMnist__Training__Optimizer", "adagrad", "one of sgd, momentum")]
    [InlineData("ClusterMnist__Coordinator__Resume", "yes", "true or false")]
    [InlineData("ClusterMnist__Coordinatr__Port", "1", "unknown setting 'Coordinatr:Port'")]
    public void BadEnvironmentVariable_IsAUsageErrorNamingIt(string name, string value, string fragment)
    {
        var error = Assert.Throws<CliException>(() => ReadCoordinator(Env((name, value), ("CLUSTERMNIST_CERT", "cluster.pfx"))));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(fragment, error.Message, StringComparison.Ordinal);
        Assert.Contains($"environment variable {name}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidJson_IsAUsageErrorNamingTheFile()
    {
        string path = WriteConfig("worker.json", """{ "Worker": { "Threads": 2, """);

        var error = Assert.Throws<CliException>(() => ReadWorker(Env(("CLUSTERMNIST_CERT", "cluster.pfx"))));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingExplicitConfigFile_IsAUsageError_ButAMissingDefaultOneIsFine()
    {
        var env = Env(("CLUSTERMNIST_CERT", "cluster.pfx"));

        var error = Assert.Throws<CliException>(() => ReadWorker(env, null, "--config", "nowhere.json"));

        Assert.Contains("nowhere.json", error.Message, StringComparison.Ordinal);
        Assert.Null(ReadWorker(env).SettingsFile);
    }

    [Fact]
    public void OtherProgramsEnvironmentVariables_AreIgnored()
    {
        var env = Env(("ClusterMnist__Worker__Threads", "5"), ("ClusterMnist__Coordinator__Port", "1"), ("CLUSTERMNIST_CERT", "cluster.pfx"));

        Assert.Equal(1, ReadCoordinator(env).Port);
        Assert.Equal(5, ReadWorker(env).Threads);
    }

    [Fact]
    public async Task CoordinatorCommand_Exits2WithOneLine_OnAnUnknownFileSetting()
    {
        string path = WriteConfig("bad.json", """{ "Training": { "Epoks": 3 } }""");

        var run = await CliRunner.RunAsync("coordinator", "--config", path, "--insecure");

        run.AssertCleanFailure(ExitCodes.Usage, "unknown setting 'Training:Epoks'");
    }

    private CoordinatorRunSettings ReadCoordinator(IDictionary env, string? workingDirectory = null, params string[] args)
    {
        var options = new CoordinatorCommandOptions();
        return options.Read(Parse(options.All, args), workingDirectory ?? _directory, env);
    }

    private WorkerRunSettings ReadWorker(IDictionary env, string? workingDirectory = null, params string[] args)
    {
        var options = new WorkerCommandOptions();
        return options.Read(Parse(options.All, args), workingDirectory ?? _directory, env);
    }

    private static ParseResult Parse(IEnumerable<Option> options, string[] args)
    {
        var command = new RootCommand();
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        var result = command.Parse(args);
        Assert.Empty(result.Errors);
        return result;
    }

    private string WriteConfig(string name, string json)
    {
        string folder = Path.Combine(_directory, "config");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static Hashtable Env(params (string Name, string Value)[] variables)
    {
        var table = new Hashtable();
        foreach (var (name, value) in variables)
        {
            table[name] = value;
        }

        return table;
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ClusterMnist.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("ClusterMnist.sln not found above the test binaries.");
    }
}
