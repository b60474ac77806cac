using System.Collections;
using ClusterMnist.Cli.Hosting;
using ClusterMnist.Cluster.Security;

namespace ClusterMnist.Cli.Configuration;

/// <summary>
/// Finds and loads the cluster certificate: <c>--cert</c>, else <c>ClusterMnist__Cluster__Cert</c>, else
/// <c>CLUSTERMNIST_CERT</c>, else <c>Cluster:Cert</c> of the JSON file; its password from
/// <c>CLUSTERMNIST_CERT_PASSWORD</c> (the file may have none). There is no way into the cluster without it, except the
/// explicit <c>--insecure</c>: an open Akka port or data plane would let anyone on the network join, read the model or
/// feed the coordinator gradients.
/// </summary>
internal static class ClusterCertificateSource
{
    public const string PathVariable = "CLUSTERMNIST_CERT";

    public const string PasswordVariable = "CLUSTERMNIST_CERT_PASSWORD";

    /// <summary>Where the certificate is, or null when none is named.</summary>
    public static string? FindPath(string? flag, LayeredSettings settings, IDictionary environment)
    {
        const string key = "Cluster:Cert";
        bool fromEnvironment = settings.SourceOf(key)?.StartsWith("environment", StringComparison.Ordinal) == true;
        return flag
            ?? (fromEnvironment ? settings.Text(key) : null)
            ?? NonEmpty(environment[PathVariable] as string)
            ?? settings.Text(key);
    }

    /// <summary>Loads the certificate at <paramref name="path"/>, or stops the program with exit code 2 and the reason.</summary>
    public static ClusterCertificate Load(string path, IDictionary environment)
    {
        string? password = NonEmpty(environment[PasswordVariable] as string);
        if (password is not null && SecretStrength.Refusal(password, PasswordVariable) is { } refusal)
            throw CliException.Usage(refusal);
        try
        {
            return ClusterCertificate.Load(path, password);
        }
        catch (ClusterCertificateException e)
        {
            // A missing file's message already says how to make one, with its path.
            string advice = e.Message.Contains("clustermnist cert", StringComparison.Ordinal)
                ? " Every node loads the same file."
                : " Make one with `clustermnist cert --out FILE.pfx`; every node loads the same file.";
            throw CliException.Usage(e.Message + advice);
        }
    }

    /// <summary>The message for a node started with neither a certificate nor <c>--insecure</c>.</summary>
    public static string Missing(string program) =>
        $"no cluster certificate: pass --cert FILE.pfx, or set {PathVariable} (password in {PasswordVariable}) or Cluster:Cert in the settings file. "
        + $"Make one with `clustermnist cert --out cluster.pfx`; every node of the cluster loads the same file. "
        + $"For an experiment on this machine only, `{program} --insecure` runs without one.";

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
