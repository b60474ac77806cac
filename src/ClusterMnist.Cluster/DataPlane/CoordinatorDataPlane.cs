using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using ClusterMnist.Cluster.Messages;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.DataPlane;

/// <summary>
/// The coordinator's data plane server, as its actor sees it: tickets for the workers it accepts, and each worker's
/// authenticated connection turned into an <see cref="IWorkerStream"/> whose events the actor receives as messages.
/// </summary>
public sealed class CoordinatorDataPlane : ICoordinatorDataPlane, IAsyncDisposable
{
    private readonly DataPlaneServer _server;
    private readonly ConcurrentDictionary<string, IActorRef> _authorized = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<WorkerStream, byte> _streams = new();
    private readonly string _publicHost;
    private readonly int _tensorBytes;
    private readonly ILogger _log;

    /// <summary>True when connections use TLS.</summary>
    public bool Encrypted { get; }

    private CoordinatorDataPlane(string publicHost, int parameterCount, ILogger log, IPEndPoint bind, DataPlaneSecurity security)
    {
        _publicHost = publicHost;
        Encrypted = security.Encrypted;
        _tensorBytes = checked(parameterCount * sizeof(float));
        _log = log;
        _server = DataPlaneServer.Start(bind, security, log, OnConnected);
    }

    /// <summary>Where the server listens (the real port).</summary>
    public IPEndPoint LocalEndpoint => _server.LocalEndpoint;

    /// <summary>
    /// Starts the server on <paramref name="bindHost"/>:<paramref name="port"/> for tensors of <paramref name="parameterCount"/>
    /// elements; workers are told to connect to <paramref name="publicHost"/>.
    /// </summary>
    public static async Task<CoordinatorDataPlane> StartAsync(string bindHost, int port, string publicHost, DataPlaneSecurity security, int parameterCount,
        ILogger log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(security);
        var address = IPAddress.TryParse(bindHost, out var ip)
            ? ip
            : (await Dns.GetHostAddressesAsync(bindHost, cancellationToken).ConfigureAwait(false)).First();
        return new CoordinatorDataPlane(publicHost, parameterCount, log, new IPEndPoint(address, port), security);
    }

    StreamOffer ICoordinatorDataPlane.Authorize(string workerId, IActorRef coordinator)
    {
        _authorized[workerId] = coordinator;
        return new StreamOffer(_publicHost, LocalEndpoint.Port, _server.Authorize(workerId), Encrypted);
    }

    void ICoordinatorDataPlane.Revoke(string workerId)
    {
        _server.Revoke(workerId);
        _authorized.TryRemove(workerId, out _);
    }

    /// <summary>Stops listening and closes every worker's connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        foreach (var stream in _streams.Keys)
            await stream.DisposeAsync().ConfigureAwait(false);
    }

    private void OnConnected(DataPlaneConnection connection)
    {
        if (!_authorized.TryRemove(connection.WorkerId, out var coordinator))
        {
            _log.LogWarning("Data plane connection of worker {WorkerId} at {Peer} has no coordinator waiting for it; closed", connection.WorkerId, connection.RemoteEndPoint);
            _ = connection.DisposeAsync().AsTask();
            return;
        }
        var stream = new WorkerStream(connection, coordinator, _tensorBytes);
        _streams[stream] = 0;
        _ = connection.Completion.ContinueWith(closed =>
        {
            _streams.TryRemove(stream, out _);
            coordinator.Tell(new StreamClosed(stream, closed.Result));
        }, TaskScheduler.Default);
        stream.Start();
        coordinator.Tell(new StreamConnected(connection.WorkerId, stream));
    }

    /// <summary>One worker's connection, coordinator side.</summary>
    private sealed class WorkerStream(DataPlaneConnection connection, IActorRef coordinator, int tensorBytes) : IWorkerStream, IAsyncDisposable
    {
        // Sends of one stream are queued on this chain, so the actor never waits for a socket.
        private Task _sending = Task.CompletedTask;
        private long _lastAssignment;

        public string WorkerId => connection.WorkerId;

        public void Start() => connection.StartReceiving(Gate, frame =>
            coordinator.Tell(new StreamSumsArrived(this, frame.Header.Id, StreamFrameTensor.Wrap(frame.Payload))));

        public void SendParameters(long version, SharedTensor parameters)
        {
            parameters.Retain();
            _sending = SendAsync(_sending, version, parameters);
        }

        public void ExpectSums(long assignmentId) => Interlocked.Exchange(ref _lastAssignment, Math.Max(assignmentId, Interlocked.Read(ref _lastAssignment)));

        public void Close(string reason) => _ = connection.DisposeAsync().AsTask();

        public ValueTask DisposeAsync() => connection.DisposeAsync();

        // Only sums of the model's size, for assignments this worker was given, may be read; anything else is an
        // attack or a bug, and closes the connection before its payload is read.
        private FrameVerdict Gate(DataFrameHeader header)
        {
            if (header.Kind != DataFrameKind.GradientSum)
                return FrameVerdict.Reject($"a worker sends only gradient sums, not {header.Kind}");
            if (header.PayloadLength != tensorBytes)
                return FrameVerdict.Reject($"gradient sums are {tensorBytes} bytes, not {header.PayloadLength}");
            if (header.Id <= 0 || header.Id > Interlocked.Read(ref _lastAssignment))
                return FrameVerdict.Reject($"assignment {header.Id} was never given to this worker");
            return FrameVerdict.Accept;
        }

        private async Task SendAsync(Task previous, long version, SharedTensor parameters)
        {
            try
            {
                await previous.ConfigureAwait(false);
                await connection.SendAsync(DataFrameKind.Parameters, version, parameters.Bytes).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DataPlaneException or IOException or ObjectDisposedException)
            {
                // The connection closed; the actor hears it through StreamClosed.
            }
            finally
            {
                parameters.Release();
            }
        }
    }
}
