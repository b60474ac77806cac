using ClusterMnist.Server.Status;

namespace ClusterMnist.Server.Hosting;

/// <summary>The body of <c>GET /api/status</c>: the cluster's status plus the model being served.</summary>
internal sealed record StatusResponse(
    ServedModel? Model, TrainingProgress Progress, IReadOnlyList<MemberStatus> Members,
    IReadOnlyDictionary<string, string> Configuration, int PollMilliseconds);

/// <summary>Which model answers predictions now.</summary>
internal sealed record ServedModel(string Spec, long Version, long Step, int Epoch);
