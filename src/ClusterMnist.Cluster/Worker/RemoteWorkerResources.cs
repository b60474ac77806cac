using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Core.Data;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Worker;

/// <summary>A worker process's resources: its own copy of the data set, and the data plane stream to the coordinator.</summary>
internal sealed class RemoteWorkerResources(Func<string, CancellationToken, Task<ImageSet>> loadTrainingSet, ClusterCertificate? certificate, ILogger log)
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
}
