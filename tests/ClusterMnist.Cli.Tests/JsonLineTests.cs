using System.Text.Json;
using ClusterMnist.Cli.Reporting;

namespace ClusterMnist.Cli.Tests;

public class JsonLineTests
{
    [Fact]
    public void Serialize_UsesSnakeCaseNames_OnOneLine()
    {
        var line = JsonLine.Serialize(new TrainSummary(0.9123, 20, 81.5, 14_000, 2, "ab12"));

        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["test_accuracy", "epochs", "train_seconds", "samples_per_second", "workers", "param_sha256"], names);
        Assert.Equal(0.9123, json.RootElement.GetProperty("test_accuracy").GetDouble());
        Assert.Equal("ab12", json.RootElement.GetProperty("param_sha256").GetString());
    }
}
