using ClusterMnist.Cluster.Hosting;

namespace ClusterMnist.Cluster.Tests.Hosting;

/// <summary>The coordinator's address as a worker joins it: Akka parses it as a URI, so an IPv6 host needs its brackets.</summary>
public sealed class ClusterNodeOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1", "akka.tcp://clustermnist@127.0.0.1:4253")]
    [InlineData("coordinator", "akka.tcp://clustermnist@coordinator:4253")]
    [InlineData("::1", "akka.tcp://clustermnist@[::1]:4253")]
    [InlineData("[::1]", "akka.tcp://clustermnist@[::1]:4253")]
    [InlineData("fe80::1:2", "akka.tcp://clustermnist@[fe80::1:2]:4253")]
    public void SeedAddress_PutsAnIPv6HostInBrackets(string seedHost, string expected)
    {
        var options = new ClusterNodeOptions { Role = ClusterRoles.Worker, PublicHost = "127.0.0.1", SeedHost = seedHost, SeedPort = 4253 };

        Assert.Equal(expected, options.SeedAddress);
        Assert.True(Uri.TryCreate(options.SeedAddress, UriKind.Absolute, out _));
    }
}
