using System.Diagnostics;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Worker;

/// <summary>A worker process's resources: its own copy of the data set, and the data plane stream to the coordinator.</summary>
internal sealed class RemoteWorkerResources(
    Func<string, CancellationToken, Task<ImageSet>> loadTrainingSet, ClusterCertificate? certificate, bool warmUp, ILogger log)
    : IWorkerResources
{
    public Task<ImageSet> LoadTrainingSetAsync(string dataset, CancellationToken cancellationToken) => loadTrainingSet(dataset, cancellationToken);

    public async Task<ICoordinatorStream> ConnectAsync(StreamOffer offer, string workerId, CancellationToken cancellationToken)
    {
        if (offer.Encrypted && certificate is null)
            throw new DataPlaneException("the coordinator's data plane requires TLS, and this worker has no cluster certificate");
        var security = offer.Encrypted ? DataPlaneSecurity.MutualTls(certificate!) : DataPlaneSecurity.PlaintextForTrustedNetwork();
        var connection = await DataPlaneClient.ConnectAsync(offer.Host, offer.Port, workerId, offer.Ticket, security, log, cancellationToken).ConfigureAwait(false);
        return new CoordinatorStream(connection);
    }

    // A throwaway in-process cluster of the accepted model trains one step (the optimizer is the coordinator's business,
    // so the cheapest one stands in). A failure, even for want of memory for a second copy of a large model, costs
    // only speed: the real step meets any real problem and reports it.
    public async Task WarmUpAsync(JoinAccepted accepted, CancellationToken cancellationToken)
    {
        if (!warmUp)
            return;
        try
        {
            long start = Stopwatch.GetTimestamp();
            await Task.Run(
                () => InProcessCluster.WarmUpAsync(ModelSpec.Parse(accepted.Model), OptimizerSpec.Parse("sgd"), accepted.BatchSize, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            log.LogDebug("Compiled the step before the first assignment: one step of {Model} on random images in {Milliseconds:F0} ms",
                accepted.Model, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        catch (Exception e)
        {
            log.LogDebug(e, "The warm-up before the first assignment failed; the first step compiles its code instead");
        }
    }
}
