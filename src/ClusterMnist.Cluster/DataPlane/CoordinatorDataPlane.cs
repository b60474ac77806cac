using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Serialization;
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
    private readonly int _maxControlBytes;
    private readonly ILogger _log;

    /// <summary>True when connections use TLS.</summary>
    public bool Encrypted { get; }

    private CoordinatorDataPlane(string publicHost, int parameterCount, int maxControlBytes, ILogger log, IPEndPoint bind, DataPlaneSecurity security)
    {
        _publicHost = publicHost;
        Encrypted = security.Encrypted;
        _tensorBytes = checked(parameterCount * sizeof(float));
        _maxControlBytes = maxControlBytes;
        _log = log;
        _server = DataPlaneServer.Start(bind, security, log, OnConnected);
    }

    /// <summary>Where the server listens (the real port).</summary>
    public IPEndPoint LocalEndpoint => _server.LocalEndpoint;

    /// <summary>
    /// Starts the server on <paramref name="bindHost"/>:<paramref name="port"/> for tensors of <paramref name="parameterCount"/>
    /// elements and answers of at most <paramref name="maxControlBytes"/> (see TensorMessageSerializer.MaxControlBytes);
    /// workers are told to connect to <paramref name="publicHost"/>.
    /// </summary>
    public static async Task<CoordinatorDataPlane> StartAsync(string bindHost, int port, string publicHost, DataPlaneSecurity security, int parameterCount,
        int maxControlBytes, ILogger log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(security);
        var address = IPAddress.TryParse(bindHost, out var ip)
            ? ip
            : (await Dns.GetHostAddressesAsync(bindHost, cancellationToken).ConfigureAwait(false)).First();
        return new CoordinatorDataPlane(publicHost, parameterCount, maxControlBytes, log, new IPEndPoint(address, port), security);
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
        var stream = new WorkerStream(connection, coordinator, _tensorBytes, _maxControlBytes);
        _streams[stream] = 0;
        // The actor learns of the stream before anything the stream delivers or its closing: a worker told to leave
        // right after it became ready may say goodbye at once, and that goodbye must find the stream its member's.
        coordinator.Tell(new StreamConnected(connection.WorkerId, stream));
        _ = connection.Completion.ContinueWith(closed =>
        {
            _streams.TryRemove(stream, out _);
            coordinator.Tell(new StreamClosed(stream, closed.Result));
        }, TaskScheduler.Default);
        stream.Start();
    }

    /// <summary>One worker's connection, coordinator side.</summary>
    private sealed class WorkerStream(DataPlaneConnection connection, IActorRef coordinator, int tensorBytes, int maxControlBytes)
        : IWorkerStream, IAsyncDisposable
    {
        // Sends of one stream are queued on this chain, so the actor never waits for a socket.
        private Task _sending = Task.CompletedTask;
        private long _lastAssignment;
        // The answer whose sums frame must come next; only touched on the receive loop.
        private ShardsDone? _awaitingSums;

        public string WorkerId => connection.WorkerId;

        public void Start() => connection.StartReceiving(Gate, OnFrame);

        // Written from a pool thread: with TLS, encrypting ~1 MB takes most of a millisecond, and the parameters of
        // several workers are then encrypted in parallel instead of one after another on the actor's thread.
        public void SendParameters(long version, SharedTensor parameters)
        {
            parameters.Retain();
            var previous = _sending;
            _sending = Task.Run(() => SendAsync(previous, DataFrameKind.Parameters, version, parameters.Bytes, parameters));
        }

        public void SendAssignment(ComputeShards assignment)
        {
            // Assignment ids only grow; the receive loop reads the newest.
            Interlocked.Exchange(ref _lastAssignment, assignment.AssignmentId);
            _sending = SendAsync(_sending, DataFrameKind.Assignment, assignment.AssignmentId, TensorMessageSerializer.Encode(assignment), held: null);
        }

        public void Close(string reason) => _ = connection.DisposeAsync().AsTask();

        public ValueTask DisposeAsync() => connection.DisposeAsync();

        // Only answers to assignments this worker was given, each followed by sums of the model's size if they travel
        // here, and a goodbye, all of bounded size, may be read; anything else is an attack or a bug, and closes the
        // connection before its payload is read.
        private FrameVerdict Gate(DataFrameHeader header)
        {
            if (_awaitingSums is { } answer)
            {
                return header.Kind == DataFrameKind.GradientSum && header.Id == answer.AssignmentId && header.PayloadLength == tensorBytes
                    ? FrameVerdict.Accept
                    : FrameVerdict.Reject($"the {tensorBytes} bytes of sums of assignment {answer.AssignmentId} must follow its answer");
            }
            return header.Kind switch
            {
                DataFrameKind.Answer when header.Id <= 0 || header.Id > Interlocked.Read(ref _lastAssignment)
                    => FrameVerdict.Reject($"assignment {header.Id} was never given to this worker"),
                DataFrameKind.Answer when header.PayloadLength > maxControlBytes
                    => FrameVerdict.Reject($"an answer takes at most {maxControlBytes} bytes"),
                DataFrameKind.Goodbye when header.PayloadLength > GoodbyeFrame.MaxBytes
                    => FrameVerdict.Reject($"a goodbye takes at most {GoodbyeFrame.MaxBytes} bytes"),
                DataFrameKind.Answer or DataFrameKind.Goodbye => FrameVerdict.Accept,
                DataFrameKind.GradientSum => FrameVerdict.Reject("gradient sums must follow their answer"),
                _ => FrameVerdict.Reject($"a worker sends answers, sums and a goodbye, not {header.Kind}"),
            };
        }

        // A frame that does not decode, or disagrees with its header, is thrown to the receive loop, which logs it and
        // closes the stream (the actor then hears StreamClosed).
        private void OnFrame(DataFrame frame)
        {
            switch (frame.Header.Kind)
            {
                case DataFrameKind.GradientSum:
                    var answer = _awaitingSums!;
                    _awaitingSums = null;
                    coordinator.Tell(new StreamReceived(this, answer with { Sums = StreamFrameTensor.Wrap(frame.Payload) }));
                    break;
                case DataFrameKind.Answer:
                    ShardsDone done;
                    using (frame)
                        done = TensorMessageSerializer.DecodeShardsDone(frame.Payload.Memory);
                    if (done.AssignmentId != frame.Header.Id || !done.Sums.IsEmpty || done.SumsRoute == TensorRoute.Inline)
                        throw new InvalidDataException($"answer frame {frame.Header.Id} holds the answer to assignment {done.AssignmentId} on the {done.SumsRoute} route");
                    if (done.SumsRoute == TensorRoute.Stream)
                        _awaitingSums = done;
                    else
                        coordinator.Tell(new StreamReceived(this, done));
                    break;
                default:
                    string reason;
                    using (frame)
                        reason = GoodbyeFrame.Decode(frame.Payload.Memory.Span);
                    coordinator.Tell(new StreamReceived(this, new Goodbye(WorkerId, reason)));
                    break;
            }
        }

        private async Task SendAsync(Task previous, DataFrameKind kind, long id, ReadOnlyMemory<byte> payload, SharedTensor? held)
        {
            try
            {
                await previous.ConfigureAwait(false);
                await connection.SendAsync(kind, id, payload).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DataPlaneException or IOException or ObjectDisposedException)
            {
                // The connection closed; the actor hears it through StreamClosed.
            }
            catch (Exception e)
            {
                // Anything else would leave the chain of sends faulted and the worker waiting for frames that never
                // come; closing the stream instead lets the actor reassign its shards at once (StreamClosed).
                connection.Close($"sending a {kind} frame failed: {e.Message}");
            }
            finally
            {
                held?.Release();
            }
        }
    }
}
