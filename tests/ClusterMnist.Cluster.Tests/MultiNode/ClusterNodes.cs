using Akka.Actor;
using Akka.Remote;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Security;
using ClusterMnist.Cluster.Serialization;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Cluster.Tests.MultiNode;

/// <summary>
/// A coordinator node and worker nodes in this test process, each its own actor system on 127.0.0.1 (free ports),
/// joined into one cluster as separate processes would be: the coordinator's node with its data plane, workers
/// that load the (shared, in-memory) training set and join through the coordinator's address.
/// </summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly ClusterCertificate? _certificate;
    private readonly IReadOnlyList<string> _adapters;
    private readonly ILoggerFactory _logs;

    private readonly string _host;

    private ClusterNodes(ClusterCertificate? certificate, IReadOnlyList<string> adapters, ILoggerFactory logs, string host)
    {
        _certificate = certificate;
        _adapters = adapters;
        _logs = logs;
        _host = host;
    }

    public AkkaNode Coordinator { get; private set; } = null!;

    public CoordinatorHost Host { get; private set; } = null!;

    public CoordinatorEvents Events => Host.Events;

    /// <summary>The coordinator's Akka port, which workers join.</summary>
    public int ClusterPort => Akka.Cluster.Cluster.Get(Coordinator.System).SelfAddress.Port!.Value;

    /// <summary>
    /// Starts the coordinator's node for <paramref name="options"/>; with a certificate, mutual TLS and a TLS data plane.
    /// Every node binds and is reached at <paramref name="host"/> (127.0.0.1, or ::1 for IPv6).
    /// </summary>
    public static async Task<ClusterNodes> StartAsync(TrainingOptions options, CoordinatorSettings settings, ClusterCertificate? certificate = null,
        IReadOnlyList<string>? adapters = null, ILoggerFactory? logs = null, string host = "127.0.0.1")
    {
        var nodes = new ClusterNodes(certificate, adapters ?? [], logs ?? NullLoggerFactory.Instance, host);
        nodes.Coordinator = await AkkaNode.StartAsync(nodes.Options(ClusterRoles.Coordinator, seedPort: 1, port: 0), nodes._logs);
        nodes._owned.Add(nodes.Coordinator);
        var security = certificate is null ? DataPlaneSecurity.PlaintextForTrustedNetwork() : DataPlaneSecurity.MutualTls(certificate);
        var run = new TrainingRun(options, ClusterRuns.Data);
        var dataPlane = await CoordinatorDataPlane.StartAsync(host, 0, host, security, run.Parameters.Length,
            TensorMessageSerializer.MaxControlBytes(run.Options.BatchSize, run.Layout.SegmentCount), nodes._logs.CreateLogger("DataPlane"));
        nodes._owned.Insert(0, dataPlane);
        nodes.Host = CoordinatorHost.Start(nodes.Coordinator.System, run, settings, events: null, dataPlane);
        return nodes;
    }

    /// <summary>Starts a worker node that joins the coordinator (on <paramref name="port"/>, or a free one).</summary>
    public async Task<WorkerNode> StartWorkerAsync(string id, bool sharedMemory = false, int port = 0, ClusterCertificate? certificate = null, bool warmUp = false)
    {
        var worker = await WorkerNode.StartAsync(Options(ClusterRoles.Worker, ClusterPort, port, certificate ?? _certificate),
            new WorkerSettings(id) { SharedMemory = sharedMemory, WarmUp = warmUp }, (_, _) => Task.FromResult(ClusterRuns.Data.Train), _logs);
        _owned.Add(worker);
        return worker;
    }

    /// <summary>Cuts every message between the coordinator and <paramref name="worker"/>, both ways (the throttler must be applied).</summary>
    public async Task BlackholeAsync(ActorSystem worker)
    {
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)Coordinator.System).Provider).Transport;
        var address = Akka.Cluster.Cluster.Get(worker).SelfAddress;
        bool done = await transport.ManagementCommand(new Akka.Remote.Transport.SetThrottle(address,
            Akka.Remote.Transport.ThrottleTransportAdapter.Direction.Both, Akka.Remote.Transport.Blackhole.Instance));
        Assert.True(done, $"the throttler did not blackhole {address}");
    }

    /// <summary>
    /// Ends a node as a killed process would end: its transport goes away without a word (no leave, no goodbye),
    /// then its system is terminated.
    /// </summary>
    public static async Task CrashAsync(ActorSystem node)
    {
        await ((IRemoteActorRefProvider)((ExtendedActorSystem)node).Provider).Transport.Shutdown();
        await node.Terminate();
    }

    public async ValueTask DisposeAsync()
    {
        // Workers first (they leave), then the coordinator's data plane and node.
        for (int i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
    }

    private ClusterNodeOptions Options(string role, int seedPort, int port, ClusterCertificate? certificate = null) => new()
    {
        Role = role,
        BindHost = _host,
        Port = port,
        PublicHost = _host,
        SeedHost = _host,
        SeedPort = seedPort,
        Certificate = certificate ?? _certificate,
        TransportAdapters = _adapters,
        DrainTimeout = TimeSpan.FromSeconds(10),
    };
}
