using System.Collections;
using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Configuration;

/// <summary>
/// Finds the cluster token: <c>--token</c>, else <c>ClusterMnist__Cluster__Token</c>, else <c>CLUSTERMNIST_TOKEN</c>, else
/// <c>Cluster:Token</c> of the JSON file. There is no way to run without one: an open cluster socket would let anyone
/// on the network feed the coordinator gradients, so a missing token stops the program at start-up.
/// </summary>
internal static class ClusterTokenSource
{
    public const string EnvironmentVariable = "CLUSTERMNIST_TOKEN";

    public static string Resolve(string? flag, LayeredSettings settings, IDictionary environment)
    {
        const string key = "Cluster:Token";
        bool fromEnvironment = settings.SourceOf(key)?.StartsWith("environment", StringComparison.Ordinal) == true;
        string? token = flag
            ?? (fromEnvironment ? settings.Text(key) : null)
            ?? NonEmpty(environment[EnvironmentVariable] as string)
            ?? settings.Text(key);
        return string.IsNullOrWhiteSpace(token)
            ? throw CliException.Usage($"no cluster token: pass --token, or set {EnvironmentVariable} (or Cluster:Token in the settings file). Coordinator and workers must share it.")
            : token;
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
