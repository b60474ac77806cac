using System.Reflection;
using System.Security.Cryptography;

namespace ClusterMnist.Server.Hosting;

/// <summary>
/// The web page's files, embedded in this assembly as <c>wwwroot/...</c> and loaded once, so the coordinator serves
/// its page with no files beside the binary and nothing from the internet.
/// </summary>
internal sealed class EmbeddedAssets
{
    private const string Prefix = "wwwroot/";

    private EmbeddedAssets(IReadOnlyDictionary<string, Asset> byPath) => ByPath = byPath;

    /// <summary>Assets by URL path, e.g. <c>/app.js</c>.</summary>
    public IReadOnlyDictionary<string, Asset> ByPath { get; }

    public static EmbeddedAssets Load()
    {
        var assembly = typeof(EmbeddedAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"Embedded resource '{name}' vanished.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            string path = "/" + name[Prefix.Length..].Replace('\\', '/');
            string etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"";
            assets[path] = new Asset(bytes, ContentTypeOf(path), etag);
        }

        return new EmbeddedAssets(assets);
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        _ => "application/octet-stream",
    };

    /// <summary>One file: its bytes, Content-Type and strong ETag.</summary>
    internal sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
