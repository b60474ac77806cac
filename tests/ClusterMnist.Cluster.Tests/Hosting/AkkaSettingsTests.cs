using Akka.Cluster;
using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cluster.Tests.Hosting;

/// <summary>The settings every ClusterMnist actor system runs with, read back from a started system.</summary>
public sealed class AkkaSettingsTests
{
    [Fact]
    public async Task Akka_writes_only_warnings_to_stdout_and_leaves_shutdown_to_its_owner()
    {
        await using var node = await AkkaNode.StartAsync(node: null, loggerFactory: null);
        var settings = node.System.Settings;
        Assert.Equal("WARNING", settings.StdoutLogLevel);
        Assert.False(settings.Config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
    }

    [Fact]
    public async Task A_cluster_node_turns_missed_heartbeats_into_unreachability_every_quarter_second()
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
