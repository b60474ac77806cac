using System.CommandLine;
using System.Globalization;
using ClusterMnist.Cli.Configuration;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `cert --out FILE.pfx`: makes the cluster's self-signed certificate with its private key, the one credential every
/// coordinator and worker loads. The file is created with mode 0600 before any key byte is written and replaces
/// nothing unless asked: compose runs `cert --keep-existing` on every `up`, which makes the file once and afterwards
/// only prints the thumbprint of the one already there.
/// </summary>
internal static class CertCommand
{
    private const string PasswordVariable = ClusterCertificateSource.PasswordVariable;

    public static Command Create()
    {
        var output = new Option<string>("--out")
        {
            HelpName = "FILE.pfx",
            Description = "Where to write the certificate and its key (PFX, file mode 0600). Its directory is created if missing.",
            Required = true,
        };
        var keepExisting = new Option<bool>("--keep-existing")
        {
            Description = "If FILE exists, keep it: load it with the password, print its thumbprint and exit 0.",
        };
        var force = new Option<bool>("--force") { Description = "If FILE exists, replace it with a new certificate (nodes with the old one can no longer join)." };
        var command = new Command("cert",
            "Write a new self-signed cluster certificate with its private key (ECDSA P-256, valid 10 years) and print its SHA-256 thumbprint. "
            + $"The PFX is encrypted with ${PasswordVariable} if set (at least {SecretStrength.RequiredBits} bits estimated; '{SecretStrength.GenerateHint}' makes one), "
            + "otherwise it has no password and only its file mode protects it. An existing FILE is never replaced without --force.")
        {
            output, keepExisting, force,
        };
        command.SetAction(parseResult =>
        {
            var console = CliConsole.From(parseResult);
            string path = Path.GetFullPath(parseResult.GetValue(output)!);
            bool keep = parseResult.GetValue(keepExisting);
            bool replace = parseResult.GetValue(force);
            if (keep && replace)
            {
                throw CliException.Usage("--keep-existing and --force contradict each other; give one.");
            }

            string? password = Environment.GetEnvironmentVariable(PasswordVariable);
            if (string.IsNullOrEmpty(password))
            {
                password = null;
            }
            else if (SecretStrength.Refusal(password, PasswordVariable) is { } refusal)
            {
                throw CliException.Usage(refusal);
            }

            if (Directory.Exists(path))
            {
                throw CliException.Usage($"--out {path} is a directory; name the file, e.g. {Path.Combine(path, "cluster.pfx")}.");
            }

            if (File.Exists(path) && !replace)
            {
                if (!keep)
                {
                    throw CliException.Usage($"{path} already exists; pass --keep-existing to use it or --force to replace it.");
                }

                using var existing = Load(path, password);
                Report(console.Out, $"kept the existing cluster certificate {path}", existing, password);
                return ExitCodes.Success;
            }

            OutputFile.CreateFolderFor("--out", path);
            using var certificate = ClusterCertificate.CreateNew();
            Write(path, certificate.ExportPfx(password), overwrite: replace);
            Report(console.Out, $"wrote a new cluster certificate to {path}", certificate, password);
            return ExitCodes.Success;
        });
        return command;
    }

    private static ClusterCertificate Load(string path, string? password)
    {
        try
        {
            return ClusterCertificate.Load(path, password);
        }
        catch (ClusterCertificateException e)
        {
            // Exit 2, as the coordinator and the worker give for the same file (README, "Exit codes").
            throw new CliException(e.Message, e, ExitCodes.Usage);
        }
    }

    /// <summary>
    /// Writes to a new temporary file beside <paramref name="path"/>, created with mode 0600 so no key byte is ever
    /// readable by others, then renames it into place: a reader sees the old file or the whole new one, never half.
    /// </summary>
    private static void Write(string path, byte[] pfx, bool overwrite)
    {
        string directory = Path.GetDirectoryName(path)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(temporary, options))
            {
                file.Write(pfx);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }

            throw new CliException(File.Exists(path) && !overwrite
                ? $"{path} appeared while the certificate was being written; it was left as it is."
                : $"cannot write {path}: {e.Message}", e);
        }
    }

    private static void Report(TextWriter output, string what, ClusterCertificate certificate, string? password)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what} ({certificate.Certificate.Subject}, valid until {certificate.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})"));
        if (password is null)
        {
            output.WriteLine($"the file has no password: it is protected by its file mode only (set {PasswordVariable} to encrypt it).");
        }

        output.WriteLine($"sha256 thumbprint: {certificate.Thumbprint}");
    }
}
