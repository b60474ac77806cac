namespace ClusterMnist.Server.Tests.Metrics;

/// <summary>A metric family of a scrape: its TYPE, its HELP and its samples in the order they came.</summary>
internal sealed record PrometheusFamily(string Name, string Type, string Help, IReadOnlyList<PrometheusSample> Samples);
