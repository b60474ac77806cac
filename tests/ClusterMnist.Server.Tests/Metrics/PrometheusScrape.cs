using System.Net;

namespace ClusterMnist.Server.Tests.Metrics;

/// <summary>One <c>GET /metrics</c> over a real HTTP client, parsed strictly, with lookups by family and labels.</summary>
internal sealed class PrometheusScrape(IReadOnlyDictionary<string, PrometheusFamily> families, string text)
{
    public IReadOnlyDictionary<string, PrometheusFamily> Families => families;

    public string Text => text;

    public static async Task<PrometheusScrape> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        return new PrometheusScrape(PrometheusTextParser.Parse(text), text);
    }

    public PrometheusFamily Family(string name, string type)
    {
        Assert.True(families.TryGetValue(name, out var family), $"no family {name} in:\n{text}");
        Assert.Equal(type, family.Type);
        return family;
    }

    /// <summary>The value of the one sample of <paramref name="family"/> that carries <paramref name="labels"/>.</summary>
    public double Value(string family, params (string Name, string Value)[] labels)
    {
        Assert.True(families.TryGetValue(family, out var found), $"no family {family} in:\n{text}");
        var matches = found.Samples.Where(s => s.Name == family && s.Has(labels)).ToArray();
        Assert.True(matches.Length == 1, $"{matches.Length} samples of {family} with {string.Join(",", labels)} in:\n{text}");
        return matches[0].Value;
    }

    /// <summary>Like <see cref="Value"/>, or null when the family has no such sample.</summary>
    public double? Find(string family, params (string Name, string Value)[] labels) =>
        families.TryGetValue(family, out var found) && found.Samples.SingleOrDefault(s => s.Name == family && s.Has(labels)) is { } sample
            ? sample.Value
            : null;
}
