using System.Text.Json.Serialization;

namespace ClusterMnist.Server.Hosting;

/// <summary>
/// Source-generated JSON for the status API: camelCase names, and NaN/∞ written as strings rather than failing
/// the request when training diverges.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(StatusResponse))]
internal sealed partial class ServerJsonContext : JsonSerializerContext
{
}
