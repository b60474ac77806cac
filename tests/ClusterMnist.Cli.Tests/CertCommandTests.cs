using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cli.Tests;

/// <summary>
/// `clustermnist cert`. The tests of this class run one after another (xUnit's rule for one class), which matters
/// because some set CLUSTERMNIST_CERT_PASSWORD, and only this command reads it.
/// </summary>
public sealed class CertCommandTests : IDisposable
{
    private const string PasswordVariable = "CLUSTERMNIST_CERT_PASSWORD";
    private const string StrongPassword = "3f9a0c1d7e5b2a4c8d6e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("clustermnist-cert-command-");

    public CertCommandTests() => Environment.SetEnvironmentVariable(PasswordVariable, null);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, null);
        _directory.Delete(recursive: true);
    }

    private string Pfx => Path.Combine(_directory.FullName, "certs", "cluster.pfx");

    [Fact]
    public async Task Cert_WritesAPfxReadableOnlyByItsOwner_AndPrintsItsThumbprint()
    {
        var run = await CliRunner.RunAsync("cert", "--out", Pfx);

        Assert.True(run.ExitCode == 0, run.Error);
        using var certificate = ClusterCertificate.Load(Pfx, null);
        Assert.Equal($"sha256 thumbprint: {certificate.Thumbprint}", run.LastOutputLine);
        Assert.Contains(run.OutputLines, line => line.Contains("protected by its file mode only", StringComparison.Ordinal));
        Assert.Contains(Pfx, run.OutputLines[0]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Pfx));
        }

        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Pfx)!, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Cert_RefusesToOverwrite_AndLeavesTheFileAsItWas()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("cert", "--out", Pfx)).ExitCode);
        byte[] before = await File.ReadAllBytesAsync(Pfx);

        var run = await CliRunner.RunAsync("cert", "--out", Pfx);

        run.AssertCleanFailure(2, Pfx);
        Assert.Contains("--keep-existing", run.Error);
        Assert.Equal(before, await File.ReadAllBytesAsync(Pfx));
    }

    [Fact]
    public async Task KeepExisting_LoadsTheFileThereAndPrintsTheSameThumbprint()
    {
        var first = await CliRunner.RunAsync("cert", "--out", Pfx, "--keep-existing");
        var second = await CliRunner.RunAsync("cert", "--out", Pfx, "--keep-existing");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.StartsWith("wrote a new cluster certificate", first.OutputLines[0]);
        Assert.StartsWith("kept the existing cluster certificate", second.OutputLines[0]);
        Assert.Equal(first.LastOutputLine, second.LastOutputLine);
    }

    [Fact]
    public async Task Force_ReplacesTheCertificate()
    {
        var first = await CliRunner.RunAsync("cert", "--out", Pfx);

        var second = await CliRunner.RunAsync("cert", "--out", Pfx, "--force");

        Assert.True(second.ExitCode == 0, second.Error);
        Assert.NotEqual(first.LastOutputLine, second.LastOutputLine);
        using var certificate = ClusterCertificate.Load(Pfx, null);
        Assert.EndsWith(certificate.Thumbprint, second.LastOutputLine);
    }

    [Fact]
    public async Task Password_FromTheEnvironment_EncryptsThePfx()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, StrongPassword);

        var run = await CliRunner.RunAsync("cert", "--out", Pfx);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain(run.OutputLines, line => line.Contains("file mode only", StringComparison.Ordinal));
        Assert.Throws<ClusterCertificateException>(() => ClusterCertificate.Load(Pfx, null));
        using var certificate = ClusterCertificate.Load(Pfx, StrongPassword);
        Assert.EndsWith(certificate.Thumbprint, run.LastOutputLine);
    }

    [Fact]
    public async Task WeakPassword_IsRefused_AndNothingIsWritten()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, "hunter2hunter2");

        var run = await CliRunner.RunAsync("cert", "--out", Pfx);

        run.AssertCleanFailure(2, PasswordVariable);
        Assert.Contains("bits estimated", run.Error);
        Assert.Contains("openssl rand -hex 32", run.Error);
        Assert.False(File.Exists(Pfx));
    }

    [Fact]
    public async Task KeepExisting_WithTheWrongPassword_FailsNamingTheFile()
    {
        Environment.SetEnvironmentVariable(PasswordVariable, StrongPassword);
        Assert.Equal(0, (await CliRunner.RunAsync("cert", "--out", Pfx)).ExitCode);
        Environment.SetEnvironmentVariable(PasswordVariable, StrongPassword.Replace('3', '4'));

        var run = await CliRunner.RunAsync("cert", "--out", Pfx, "--keep-existing");

        run.AssertCleanFailure(2, Pfx);
        Assert.Contains("password", run.Error);
    }

    [Theory]
    [InlineData("coordinator --port 0 --cluster-port 0 --data-plane-port 0")]
    [InlineData("worker --coordinator 127.0.0.1 --cluster-port 0")]
    public async Task ANodeWithAMissingCertificate_ExitsWithUsage_AdvisingOnce(string line)
    {
        var run = await CliRunner.RunAsync([.. line.Split(' '), "--cert", Pfx]);

        run.AssertCleanFailure(2, $"cluster certificate {Pfx} not found (make one with 'clustermnist cert --out {Pfx}'). Every node loads the same file.");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(run.Error, "make one with", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }

    [Fact]
    public async Task KeepExistingWithForce_IsAUsageError()
    {
        var run = await CliRunner.RunAsync("cert", "--out", Pfx, "--keep-existing", "--force");

        run.AssertCleanFailure(2, "--force");
        Assert.False(File.Exists(Pfx));
    }

    [Fact]
    public async Task OutNamingADirectory_IsAUsageError()
    {
        var run = await CliRunner.RunAsync("cert", "--out", _directory.FullName);

        run.AssertCleanFailure(2, "is a directory");
    }

    [Fact]
    public async Task OutUnderAFile_IsAnErrorNamingOut()
    {
        string notAFolder = Path.Combine(_directory.FullName, "notes.txt");
        await File.WriteAllTextAsync(notAFolder, "notes");

        var run = await CliRunner.RunAsync("cert", "--out", Path.Combine(notAFolder, "cluster.pfx"));

        run.AssertCleanFailure(1, $"--out '{Path.Combine(notAFolder, "cluster.pfx")}': cannot write in the folder '{notAFolder}': '{notAFolder}' is a file, not a folder.");
    }

    [Fact]
    public async Task Help_DescribesThePasswordTheModeAndTheFlags()
    {
        var run = await CliRunner.RunAsync("cert", "--help");

        Assert.Equal(0, run.ExitCode);
        foreach (string fragment in new[] { PasswordVariable, "0600", "--keep-existing", "--force", "thumbprint", "openssl rand -hex 32" })
        {
            Assert.Contains(fragment, run.Output);
        }
    }
}
