using System.Net;
using System.Text.RegularExpressions;

namespace ClusterMnist.Server.Tests;

public sealed partial class WebPageTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Page_IsServedWithEveryScriptAndStylesheetFromTheCoordinator()
    {
        using var page = await server.Client.GetAsync("/");
        string html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotMatch(ExternalUrl(), html);
        var references = Reference().Matches(html).Select(m => m.Groups[1].Value).ToArray();
        Assert.Contains(references, r => r.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(references, r => r.EndsWith(".css", StringComparison.Ordinal));
        foreach (string reference in references)
        {
            using var asset = await server.Client.GetAsync(reference);
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{reference} answered {(int)asset.StatusCode}");
            if (asset.Content.Headers.ContentType?.MediaType?.StartsWith("text/", StringComparison.Ordinal) != true)
            {
                continue;
            }

            string text = await asset.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(ExternalUrl(), text);
            if (reference.EndsWith(".js", StringComparison.Ordinal))
            {
                Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
                // Modules import siblings; those must be served too.
                foreach (Match import in Import().Matches(text))
                {
                    using var module = await server.Client.GetAsync(import.Groups[1].Value.TrimStart('.'));
                    Assert.Equal(HttpStatusCode.OK, module.StatusCode);
                    Assert.DoesNotMatch(ExternalUrl(), await module.Content.ReadAsStringAsync());
                }
            }
        }
    }

    [Fact]
    public async Task Page_AnswersNotModified_WhenTheETagMatches()
    {
        using var first = await server.Client.GetAsync("/");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [GeneratedRegex("(?:https?:)?//[a-z0-9.-]+\\.[a-z]{2,}", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalUrl();

    [GeneratedRegex("(?:src|href)=\"([^\"]+)\"")]
    private static partial Regex Reference();

    [GeneratedRegex("from\\s+['\"]([^'\"]+)['\"]")]
    private static partial Regex Import();
}
