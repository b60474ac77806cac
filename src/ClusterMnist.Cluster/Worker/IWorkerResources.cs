using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cluster.Worker;

/// <summary>What a worker needs from its host once the coordinator has told it what to do.</summary>
internal interface IWorkerResources
{
    /// <summary>The training set named <paramref name="dataset"/> (empty: the one the host was given).</summary>
    Task<ImageSet> LoadTrainingSetAsync(string dataset, CancellationToken cancellationToken);

    /// <summary>Opens the data plane stream the coordinator offered.</summary>
    Task<ICoordinatorStream> ConnectAsync(StreamOffer offer, string workerId, CancellationToken cancellationToken);

    /// <summary>Compiles the code of the step <paramref name="accepted"/> describes, when the host wants that; never fails (a cancellation ends it early).</summary>
    Task WarmUpAsync(JoinAccepted accepted, CancellationToken cancellationToken);
}

/// <summary>A worker in the coordinator's process: it shares the coordinator's training set, and its tensors travel by reference.</summary>
internal sealed class InProcessWorkerResources(ImageSet train) : IWorkerResources
{
    public Task<ImageSet> LoadTrainingSetAsync(string dataset, CancellationToken cancellationToken) => Task.FromResult(train);

    public Task<ICoordinatorStream> ConnectAsync(StreamOffer offer, string workerId, CancellationToken cancellationToken)
        => throw new NotSupportedException("A worker in the coordinator's process has no data plane stream.");

    // The coordinator's host compiles the step for the whole process (train does, see InProcessCluster.WarmUpAsync).
    public Task WarmUpAsync(JoinAccepted accepted, CancellationToken cancellationToken) => Task.CompletedTask;
}
