using ClusterMnist.Cli.Hosting;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// `--otlp-endpoint URL` (setting <c>Http:OtlpEndpoint</c>): an OpenTelemetry collector the coordinator also pushes its
/// metrics to. A URL ending in <c>/v1/metrics</c> is spoken to over OTLP/HTTP, a bare host and port over OTLP/gRPC.
/// </summary>
internal static class OtlpEndpointSetting
{
    public const string Flag = "--otlp-endpoint";

    public const string Key = "Http:OtlpEndpoint";

    public const string Description =
        "Also push metrics to this OpenTelemetry collector: http://HOST:4317 (OTLP/gRPC) or http://HOST:4318/v1/metrics (OTLP/HTTP). Default: none, /metrics only.";

    /// <summary>The endpoint, or null when <paramref name="text"/> is empty.</summary>
    /// <exception cref="CliException">A usage error: not an http:// or https:// URL.</exception>
    public static Uri? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliException.Usage($"{Flag} '{text}' is not an http:// or https:// collector address (e.g. http://collector:4317).");
        }

        return uri;
    }
}
