namespace ClusterMnist.Server.Tests.Metrics;

/// <summary>One sample line of a scrape: its full name (with _bucket/_sum/_count), labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>True when every pair of <paramref name="labels"/> is among this sample's labels.</summary>
    public bool Has(params (string Name, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Name, out var value) && value == l.Value);
}
