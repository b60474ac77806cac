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

    /// <summary>Where the certificate is and which setting named it (for messages), or null when none is named.</summary>
    public static CertificateChoice? Find(string? flag, LayeredSettings settings, IDictionary environment)
    {
        const string key = "Cluster:Cert";
        bool fromEnvironment = settings.SourceOf(key)?.StartsWith("environment", StringComparison.Ordinal) == true;
        if (flag is not null)
            return new CertificateChoice(flag, "--cert");
        if (fromEnvironment && settings.Text(key) is { } setting)
            return new CertificateChoice(setting, settings.Describe(key)!, settings.VariableOf(key));
        if (NonEmpty(environment[PathVariable] as string) is { } variable)
            return new CertificateChoice(variable, $"the environment variable {PathVariable}", PathVariable);
        return settings.Text(key) is { } file ? new CertificateChoice(file, $"{key} in {settings.Describe(key)}") : null;
    }

    /// <summary>
    /// Loads the certificate <paramref name="choice"/> names, or stops the program with exit code 2 and the reason;
    /// a path that came from the environment says so, since a variable left over in a shell is easily forgotten.
    /// </summary>
    public static ClusterCertificate Load(CertificateChoice choice, IDictionary environment)
    {
        string? password = NonEmpty(environment[PasswordVariable] as string);
        if (password is not null && SecretStrength.Refusal(password, PasswordVariable) is { } refusal)
            throw CliException.Usage(refusal);
        try
        {
            return ClusterCertificate.Load(choice.Path, password);
        }
        catch (ClusterCertificateException e)
        {
            // A missing file's message already says how to make one, with its path.
            string advice = e.Message.Contains("clustermnist cert", StringComparison.Ordinal)
                ? " Every node loads the same file."
                : " Make one with `clustermnist cert --out FILE.pfx`; every node loads the same file.";
            if (choice.Variable is { } variable)
                advice += $" (Unset {variable} if it is left over from another cluster.)";
            throw CliException.Usage(Attributed(e.Message, choice) + advice);
        }
    }

    // "cluster certificate PATH ..." becomes "cluster certificate PATH (from SOURCE) ..."; a path given with --cert
    // is in the command line the user just typed and needs no attribution.
    private static string Attributed(string message, CertificateChoice choice)
    {
        if (choice.Source == "--cert")
            return message;
        string subject = $"cluster certificate {choice.Path}";
        return message.StartsWith(subject, StringComparison.Ordinal)
            ? $"{subject} (from {choice.Source}){message[subject.Length..]}"
            : $"{message} (The certificate's path came from {choice.Source}.)";
    }

    /// <summary>The message for a node started with neither a certificate nor <c>--insecure</c>.</summary>
    public static string Missing(string program) =>
        $"no cluster certificate: pass --cert FILE.pfx, or set {PathVariable} (password in {PasswordVariable}) or Cluster:Cert in the settings file. "
        + $"Make one with `clustermnist cert --out cluster.pfx`; every node of the cluster loads the same file. "
        + $"For an experiment on this machine only, `{program} --insecure` runs without one.";

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
