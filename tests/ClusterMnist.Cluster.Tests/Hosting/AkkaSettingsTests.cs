using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cluster.Tests.Hosting;

/// <summary>The settings every ClusterMnist actor system runs with, read back from a started system.</summary>
public sealed class AkkaSettingsTests
{
    [Fact]
    public async Task AkkaWritesOnlyWarningsToStdout_AndLeavesShutdownToItsOwner()
    {
        await using var node = await AkkaNode.StartAsync(node: null, loggerFactory: null);
        var settings = node.System.Settings;
        Assert.Equal("WARNING", settings.StdoutLogLevel);
        Assert.False(settings.Config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
    }

    [Fact]
    public async Task AClusterNode_TurnsMissedHeartbeatsIntoUnreachability_EveryQuarterSecond()
    {
        var options = new ClusterNodeOptions
        {
            Role = ClusterRoles.Coordinator, BindHost = "127.0.0.1", Port = 0, PublicHost = "127.0.0.1", SeedHost = "127.0.0.1",
        };
        await using var node = await AkkaNode.StartAsync(options, loggerFactory: null);
        var cluster = Akka.Cluster.Cluster.Get(node.System);
        Assert.Equal(TimeSpan.FromMilliseconds(250), cluster.Settings.UnreachableNodesReaperInterval);
    }
}
