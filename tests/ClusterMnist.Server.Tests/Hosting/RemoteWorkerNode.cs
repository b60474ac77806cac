using ClusterMnist.Actors;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Cluster.Worker;

namespace ClusterMnist.Server.Tests.Hosting;

/// <summary>A worker as the `worker` command runs it, in this process: its own actor system and remoting node.</summary>
internal sealed class RemoteWorkerNode : IAsyncDisposable
{
    private RemoteWorkerNode(ActorSystem system, RemotingNode remoting)
    {
        System = system;
        Remoting = remoting;
    }

    public ActorSystem System { get; }

    public RemotingNode Remoting { get; }

    public RemoteWorkerHost? Host { get; private set; }

    public static async Task<RemoteWorkerNode> StartAsync(Uri clusterUri, string id, string token = HostingRuns.Token)
    {
        var system = new ActorSystem(id);
        var remoting = new RemotingNode(system, new RemotingOptions(token), TrainingCodecs.Register(new MessageCodecRegistry()));
        var node = new RemoteWorkerNode(system, remoting);
        try
        {
            var policy = new ReconnectPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), MaxAttempts: 20);
            node.Host = await RemoteWorkerHost.StartAsync(remoting, clusterUri, HostingRuns.Data.Train, new WorkerSettings(id), policy: policy)
                .WaitAsync(HostingRuns.Deadline);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Remoting.DisposeAsync();
        await System.DisposeAsync();
    }
}
