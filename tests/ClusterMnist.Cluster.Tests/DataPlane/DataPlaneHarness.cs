using System.Net;
using System.Threading.Channels;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Security;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterMnist.Cluster.Tests.DataPlane;

/// <summary>
/// A data-plane server on 127.0.0.1 port 0 with its own cluster certificate, a log to inspect, the connections it
/// handed over, and helpers to connect workers. Disposing it closes every connection it saw or made.
/// </summary>
internal sealed class DataPlaneHarness : IAsyncDisposable
{
    /// <summary>Long enough never to fire on a slow machine; tests that need a timeout to fire set their own.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private readonly Channel<DataPlaneConnection> _accepted = Channel.CreateUnbounded<DataPlaneConnection>();
    private readonly List<DataPlaneConnection> _connections = [];
    private int _acceptedCount;

    private DataPlaneHarness(bool encrypted, Func<DataPlaneSecurity, DataPlaneSecurity>? adjust)
    {
        Certificate = ClusterCertificate.CreateNew();
        var security = encrypted ? DataPlaneSecurity.MutualTls(Certificate) : DataPlaneSecurity.PlaintextForTrustedNetwork();
        Security = adjust?.Invoke(security) ?? security;
        Server = DataPlaneServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Security, ServerLog, connection =>
        {
            Interlocked.Increment(ref _acceptedCount);
            Track(connection);
            _accepted.Writer.TryWrite(connection);
        });
    }

    public ClusterCertificate Certificate { get; }

    public DataPlaneSecurity Security { get; }

    public DataPlaneServer Server { get; }

    public ListLogger ServerLog { get; } = new();

    /// <summary>How many connections the server has handed to the application.</summary>
    public int AcceptedCount => Volatile.Read(ref _acceptedCount);

    public int Port => Server.LocalEndpoint.Port;

    public static DataPlaneHarness Start(bool encrypted, Func<DataPlaneSecurity, DataPlaneSecurity>? adjust = null) => new(encrypted, adjust);

    /// <summary>
    /// Sends a frame the other end is expected to refuse. The refusal closes the connection as soon as the header has
    /// been judged, which may be while the payload is still going out: the sender then sees its send fail, as a real
    /// peer would, and that is no error of the test. The caller asserts on the refusal itself.
    /// </summary>
    public static Task SendRefusedFrameAsync(DataPlaneConnection connection, DataFrameKind kind, long id, byte[] payload)
        => RefusedAsync(connection.SendAsync(kind, id, payload));

    /// <summary>Awaits a send of frames the other end is expected to refuse (see <see cref="SendRefusedFrameAsync"/>).</summary>
    public static async Task RefusedAsync(ValueTask send)
    {
        try
        {
            await send;
        }
        catch (DataPlaneException)
        {
        }
    }

    /// <summary>Connects <paramref name="workerId"/> with <paramref name="ticket"/>, as the worker would.</summary>
    public async Task<DataPlaneConnection> ConnectAsync(string workerId, byte[] ticket, DataPlaneSecurity? security = null)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        var connection = await DataPlaneClient.ConnectAsync("127.0.0.1", Port, workerId, ticket, security ?? Security, NullLogger.Instance, guard.Token);
        return Track(connection);
    }

    /// <summary>Authorizes <paramref name="workerId"/>, connects it, and returns both ends.</summary>
    public async Task<(DataPlaneConnection Coordinator, DataPlaneConnection Worker)> ConnectPairAsync(string workerId)
    {
        var worker = await ConnectAsync(workerId, Server.Authorize(workerId));
        var coordinator = await NextAcceptedAsync();
        Assert.Equal(workerId, coordinator.WorkerId);
        return (coordinator, worker);
    }

    public async Task<DataPlaneConnection> NextAcceptedAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        return await _accepted.Reader.ReadAsync(guard.Token);
    }

    /// <summary>Proves the server still works: a fresh worker connects and a frame crosses each way.</summary>
    public async Task AssertStillServesAsync()
    {
        string workerId = $"healthy-{Guid.NewGuid():N}";
        var (coordinator, worker) = await ConnectPairAsync(workerId);
        var atCoordinator = FrameInbox.Start(coordinator);
        var atWorker = FrameInbox.Start(worker);
        await worker.SendAsync(DataFrameKind.GradientSum, 1, new byte[] { 1, 2, 3 });
        await coordinator.SendAsync(DataFrameKind.Parameters, 2, new byte[] { 4, 5 });
        using (var sum = await atCoordinator.NextAsync())
        {
            Assert.Equal([1, 2, 3], sum.Payload.Memory.ToArray());
        }

        using var parameters = await atWorker.NextAsync();
        Assert.Equal([4, 5], parameters.Payload.Memory.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        DataPlaneConnection[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        Certificate.Dispose();
    }

    private DataPlaneConnection Track(DataPlaneConnection connection)
    {
        lock (_connections)
        {
            _connections.Add(connection);
        }

        return connection;
    }
}
