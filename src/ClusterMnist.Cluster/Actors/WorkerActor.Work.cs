using Akka.Event;
using Akka.Actor;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Cluster.Actors;

// Getting ready (data set, engine, data plane) and computing assignments off the actor's thread.
internal sealed partial class WorkerActor
{
    private void OnAccepted(JoinAccepted accepted)
    {
        if (_accepted is not null)
            return;
        _accepted = accepted;
        _log.Info("Worker {0} joined {1} (model {2}, {3} thread(s)); loading {4}", _settings.WorkerId, accepted.CoordinatorId, accepted.Model,
            _settings.Threads, accepted.Dataset.Length > 0 ? "data set " + accepted.Dataset : "its data");
        PrepareAsync(accepted, _stopping.Token).PipeTo(Self);
    }

    // Loads the data, builds the engine and attaches it to the data plane: the stream, which carries every per-step
    // message, and shared memory for the tensors when its files are on this host (else they go on the stream too).
    // Runs off the actor's thread.
    private async Task<Prepared> PrepareAsync(JoinAccepted accepted, CancellationToken cancellationToken)
    {
        // The step's code compiles on the side while the data set loads (when the host asked for it); the worker is ready
        // once both are done, so its first assignment does not wait for the compiler. A load that fails stops it.
        using var stopWarmUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var warmUp = _resources.WarmUpAsync(accepted, stopWarmUp.Token);
        ImageSet train;
        try
        {
            train = await _resources.LoadTrainingSetAsync(accepted.Dataset, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await stopWarmUp.CancelAsync().ConfigureAwait(false);
            return new Prepared(null, null, TensorRoute.Inline, "", "", $"cannot load data set '{accepted.Dataset}': {e.Message}");
        }
        finally
        {
            await warmUp.ConfigureAwait(false);
        }
        var computer = new ShardComputer(accepted, train, _settings.Threads);
        if (accepted.DataPlane is not { } offer)
            return new Prepared(computer, null, TensorRoute.Inline, train.Fingerprint, "in the coordinator's process", null);
        string detail = "this worker does not use shared memory";
        bool mapped = offer.SharedMemory is { } files && _settings.SharedMemory && computer.AttachSharedMemory(files, out detail);
        ICoordinatorStream stream;
        try
        {
            stream = await _resources.ConnectAsync(offer.Stream, _settings.WorkerId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new Prepared(computer, null, TensorRoute.Stream, train.Fingerprint, "", $"cannot open the data plane stream to {offer.Stream.Host}:{offer.Stream.Port}: {e.Message}");
        }
        computer.AttachStream(stream);
        string how = $"{(offer.Stream.Encrypted ? "TLS" : "unencrypted")} stream to {offer.Stream.Host}:{offer.Stream.Port}";
        return mapped
            ? new Prepared(computer, stream, TensorRoute.SharedMemory, train.Fingerprint, $"{detail}; steps over the {how}", null)
            : new Prepared(computer, stream, TensorRoute.Stream, train.Fingerprint, $"{how}; shared memory: {detail}", null);
    }

    private void OnPrepared(Prepared prepared)
    {
        if (_done || prepared.Failure is not null)
        {
            // Not taken up: its threads and stream go now.
            prepared.Computer?.Dispose();
            _ = prepared.Stream?.DisposeAsync().AsTask();
        }
        if (_done)
            return;
        if (prepared.Failure is { } failure)
        {
            _log.Error("Worker {0} cannot take part: {1}", _settings.WorkerId, failure);
            _coordinator?.Tell(new Goodbye(_settings.WorkerId, failure));
            End(WorkerOutcomeKind.Failed, failure);
            return;
        }
        _computer = prepared.Computer;
        _stream = prepared.Stream;
        if (_stream is { } stream)
        {
            // Assignments arrive on the stream and queue in this mailbox like any other message.
            var self = Self;
            stream.Start(_computer!.MaxAssignmentBytes, assignment => self.Tell(assignment));
            stream.Completion.ContinueWith(t => self.Tell(new StreamEnded(stream, t.Result)), TaskScheduler.Default);
        }
        _ready = true;
        _route = $"{Describe(prepared.Route)} ({prepared.Detail})";
        // Not ready yet, neither in the log nor for a readiness probe: the coordinator checks this message (the data
        // set's fingerprint, the route) and answers with WorkerAdmitted, or with a refusal that says why.
        _coordinator!.Tell(new WorkerReady(_settings.WorkerId, prepared.Fingerprint, prepared.Route, prepared.Detail));
    }

    private void OnAdmitted(WorkerAdmitted admitted)
    {
        _progress.SetReady();
        _log.Info("Worker {0} is ready: tensors over {1}; {2} live worker(s)", _settings.WorkerId, _route, admitted.LiveWorkers);
    }

    private static string Describe(TensorRoute route) => route switch
    {
        TensorRoute.SharedMemory => "shared memory",
        TensorRoute.Stream => "the data plane stream",
        _ => "references in this process",
    };

    private void StartNext()
    {
        if (_computing || _queue.Count == 0 || _computer is null)
            return;
        var assignment = _queue.Dequeue();
        var computer = _computer;
        var self = Self;
        var coordinator = _coordinator!;
        var stream = _stream;
        string id = _settings.WorkerId;
        var stopping = _stopping.Token;
        _computing = true;
        // Off the actor's thread, so that a drain is still handled during a long computation. Queued to this thread's
        // local queue: the thread, about to go idle, picks the computation up itself instead of waking another one.
        // When the workers and the coordinator share the cores, a woken thread first waits for a core; with two
        // workers beside the coordinator on 2 cores this was worth ~10 % of the step rate.
        ThreadPool.QueueUserWorkItem(_ => _ = ComputeAsync(computer, id, assignment, stream, coordinator, self, stopping), state: (object?)null,
            preferLocal: true);
    }

    private static async Task ComputeAsync(ShardComputer computer, string id, ComputeShards assignment, ICoordinatorStream? stream,
        IActorRef coordinator, IActorRef self, CancellationToken stopping)
    {
        AssignmentComputed result;
        try
        {
            var done = await computer.ComputeAsync(id, assignment, stopping).ConfigureAwait(false);
            // The answer goes to the coordinator from this thread, not through this actor's mailbox (one hop less on
            // every step's critical path): on the stream, whose frames the coordinator reads in order, or, in one
            // process, as a message. The actor learns of it next, so a goodbye still follows it.
            if (stream is not null)
            {
                try
                {
                    await stream.SendAnswerAsync(done, stopping).ConfigureAwait(false);
                }
                finally
                {
                    PooledTensor.Release(done.Sums);
                }
            }
            else if (!stopping.IsCancellationRequested)
            {
                coordinator.Tell(done, self);
            }
            result = new AssignmentComputed(assignment, null);
        }
        catch (Exception e)
        {
            result = new AssignmentComputed(assignment, e);
        }
        self.Tell(result);
    }

    private void OnComputed(AssignmentComputed computed)
    {
        _computing = false;
        if (computed.Failure is StaleAssignmentException stale)
        {
            // Only a worker that fell behind (e.g. paused) meets one; the coordinator has already reassigned it.
            _log.Warning("Worker {0} skipped assignment {1}: {2}", _settings.WorkerId, computed.Assignment.AssignmentId, stale.Message);
        }
        else if (computed.Failure is OperationCanceledException && _done)
        {
            return;
        }
        else if (computed.Failure is { } failure)
        {
            _log.Error(failure, "Worker {0} failed on assignment {1}: {2}", _settings.WorkerId, computed.Assignment.AssignmentId, failure.Message);
            _draining = true;
            _queue.Clear();
            SayGoodbye($"failed: {failure.Message}", WorkerOutcomeKind.Failed, failure.Message);
            return;
        }
        else
        {
            _shardsDone += computed.Assignment.Shards.Length;
        }
        if (_draining)
            SayGoodbye(_drainReason, WorkerOutcomeKind.Left, _drainReason);
        else
            StartNext();
    }

    /// <summary>Local: the data set is loaded and the data plane attached (or why not).</summary>
    private sealed record Prepared(ShardComputer? Computer, ICoordinatorStream? Stream, TensorRoute Route, string Fingerprint,
        string Detail, string? Failure) : INoSerializationVerificationNeeded;

    /// <summary>Local: the background computation of an assignment is done (or failed).</summary>
    private sealed record AssignmentComputed(ComputeShards Assignment, Exception? Failure) : INoSerializationVerificationNeeded;

    /// <summary>Local: the data plane stream closed.</summary>
    private sealed record StreamEnded(ICoordinatorStream Stream, string Reason) : INoSerializationVerificationNeeded;
}
