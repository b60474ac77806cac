using ClusterMnist.Actors;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Core.Data;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Worker;

/// <summary>
/// A worker: joins the coordinator with its id, cores and data fingerprint, computes the shards it is assigned on
/// a background task (so its loop stays free to send heartbeats), answers each assignment with its exact partial,
/// and on <see cref="Drain"/> finishes the assignment in progress, says goodbye and stops taking work.
/// </summary>
internal sealed class WorkerActor(WorkerSettings settings, IActorRef coordinator, ImageSet train, TaskCompletionSource<WorkerOutcome> outcome) : Actor
{
    private IActorRef _coordinator = coordinator;
    private readonly Queue<ComputeShards> _queue = new();
    private ShardComputer? _computer;
    private JoinAccepted? _setup;
    private JoinAccepted? _computerSetup;
    private IDisposable? _ticks;
    private bool _computing;
    private bool _draining;
    private string _drainReason = "";
    private bool _done;
    private volatile bool _stopped;
    private long _shardsDone;

    private ILogger Log => Context.Logger;

    protected override Task PreStartAsync()
    {
        WatchCoordinator();
        SendJoin();
        _ticks = Context.System.Scheduler.SchedulePeriodic(settings.HeartbeatInterval, settings.HeartbeatInterval, Self, WorkerTick.Instance);
        return Task.CompletedTask;
    }

    protected override Task PostStopAsync()
    {
        _stopped = true;
        _ticks?.Dispose();
        // A computation still running ends with an error that nobody reads; its threads are joined here.
        _computer?.Dispose();
        outcome.TrySetResult(new WorkerOutcome(WorkerOutcomeKind.Left, "stopped", _shardsDone));
        return Task.CompletedTask;
    }

    protected override Task ReceiveAsync(object message)
    {
        switch (message)
        {
            case WorkerTick when !_done:
                if (_setup is null)
                    SendJoin();
                else
                    SendToCoordinator(new Heartbeat(settings.WorkerId));
                break;
            case JoinAccepted accepted when !_done:
                OnAccepted(accepted);
                break;
            case JoinRefused refused:
                Log.LogError("Worker {WorkerId} was refused by the coordinator: {Reason}", settings.WorkerId, refused.Reason);
                End(WorkerOutcomeKind.Refused, refused.Reason);
                break;
            case ComputeShards assignment when !_done && !_draining && _setup is not null:
                _queue.Enqueue(assignment);
                StartNext();
                break;
            case ComputeShards ignored:
                Log.LogDebug("Worker {WorkerId} ignored assignment {AssignmentId} (not accepting work)", settings.WorkerId, ignored.AssignmentId);
                break;
            case AssignmentComputed computed:
                OnComputed(computed);
                break;
            case Drain drain when !_done:
                _draining = true;
                _drainReason = drain.Reason;
                _queue.Clear();
                if (!_computing)
                    SayGoodbye();
                break;
            case TrainingFinished finished when !_done:
                // Debug: the host reports the outcome itself; a second TrainingFinished (the answer to a heartbeat
                // that crossed the first) is ignored below.
                Log.LogDebug("Worker {WorkerId}: training finished, parameters {Hash}", settings.WorkerId, finished.ParameterSha256);
                End(WorkerOutcomeKind.Finished, finished.ParameterSha256);
                break;
            case UseCoordinator use when !_done:
                // A new connection to the coordinator (after the old one was lost): join again through it.
                try
                {
                    Context.Unwatch(_coordinator);
                }
                catch (ArgumentException)
                {
                    // The old reference was not watchable; nothing to undo.
                }
                _coordinator = use.Coordinator;
                _setup = null;
                _queue.Clear();
                WatchCoordinator();
                SendJoin();
                break;
            case Terminated terminated when !_done && terminated.Actor.Equals(_coordinator):
                // The coordinator is gone (or its node unreachable): keep asking to join, it may come back.
                Log.LogWarning("Worker {WorkerId} lost the coordinator: {Reason}; will keep asking to join", settings.WorkerId, terminated.Reason);
                _setup = null;
                _queue.Clear();
                break;
            default:
                break;
        }
        return Task.CompletedTask;
    }

    private void WatchCoordinator()
    {
        try
        {
            Context.Watch(_coordinator);
        }
        catch (ArgumentException e)
        {
            Log.LogWarning("Worker {WorkerId} cannot watch the coordinator ({Message})", settings.WorkerId, e.Message);
        }
    }

    private void SendJoin() => SendToCoordinator(new JoinRequest(settings.WorkerId, settings.Threads, train.Fingerprint, settings.SharedMemory));

    private void SendToCoordinator(object message) => Send(_coordinator, message, Self, Log, settings.WorkerId);

    private void OnAccepted(JoinAccepted accepted)
    {
        if (_setup == accepted)
            return;
        _setup = accepted;
        // A rejoin brings a new shared memory offer but the same run: keep the engine, map the new files.
        var setup = accepted with { SharedMemory = null };
        if (_computer is null || _computerSetup != setup)
        {
            // A computation still running keeps the old engine; it is only a different run that needs a new one.
            if (!_computing)
                _computer?.Dispose();
            _computer = new ShardComputer(accepted, train, settings.Threads);
            _computerSetup = setup;
        }
        Log.LogInformation("Worker {WorkerId} joined {Coordinator} (model {Model}, {Threads} thread(s))",
            settings.WorkerId, accepted.CoordinatorId, accepted.Model, settings.Threads);
        if (accepted.SharedMemory is { } offer)
        {
            // Tell the coordinator either way: until it hears yes, tensors travel in the messages.
            string detail = "this worker does not use shared memory";
            bool attached = settings.SharedMemory && _computer.AttachSharedMemory(offer, out detail);
            if (attached)
                Log.LogInformation("Worker {WorkerId} exchanges tensors with the coordinator through shared memory ({Detail})", settings.WorkerId, detail);
            else
                Log.LogInformation("Worker {WorkerId} exchanges tensors over the WebSocket: {Detail}", settings.WorkerId, detail);
            SendToCoordinator(new SharedMemoryReady(settings.WorkerId, attached, detail));
        }
    }

    private void StartNext()
    {
        if (_computing || _queue.Count == 0 || _computer is null)
            return;
        var assignment = _queue.Dequeue();
        var computer = _computer;
        var self = Self;
        var time = Context.System.TimeProvider;
        var coordinator = _coordinator;
        var log = Log;
        string id = settings.WorkerId;
        _computing = true;
        // Off the actor's loop, so that heartbeats and a drain are still handled during a long computation. Queued
        // to this thread's local queue: the thread, about to go idle, picks the computation up itself instead of
        // waking another one. When the workers and the coordinator share the cores, a woken thread first waits for
        // a core; with two workers beside the coordinator on 2 cores this was worth ~10 % of the step rate.
        ThreadPool.QueueUserWorkItem(_ =>
        {
            AssignmentComputed result;
            try
            {
                var done = computer.Compute(id, assignment, time);
                // The answer goes to the coordinator from this thread, not through this actor's mailbox (one hop
                // less on every step's critical path); the actor learns of it next, so a Goodbye still follows it.
                if (!_stopped)
                    Send(coordinator, done, self, log, id);
                result = new AssignmentComputed(assignment, done, null);
            }
            catch (Exception e)
            {
                result = new AssignmentComputed(assignment, null, e);
            }
            self.TellAsync(result).AsTask().Wait();
        }, state: (object?)null, preferLocal: true);
    }

    // A send can fail when the connection to the coordinator is closed or its queue is full; the coordinator then
    // treats this worker as gone and reassigns its shards, so the failure is only logged.
    private static void Send(IActorRef coordinator, object message, IActorRef self, ILogger log, string workerId)
    {
        try
        {
            coordinator.Tell(message, self);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogWarning("Worker {WorkerId} could not send {MessageType} to the coordinator: {Message}", workerId, message.GetType().Name, e.Message);
        }
    }

    private void OnComputed(AssignmentComputed computed)
    {
        _computing = false;
        if (computed.Failure is StaleAssignmentException stale)
        {
            // Only a worker that fell behind (e.g. paused) meets one; the coordinator has already reassigned it.
            Log.LogWarning("Worker {WorkerId} skipped assignment {AssignmentId}: {Message}", settings.WorkerId, computed.Assignment.AssignmentId, stale.Message);
            if (_draining)
                SayGoodbye();
            else
                StartNext();
            return;
        }
        if (computed.Failure is { } failure)
        {
            Log.LogError(failure, "Worker {WorkerId} failed on assignment {AssignmentId}: {Message}", settings.WorkerId, computed.Assignment.AssignmentId, failure.Message);
            SendToCoordinator(new Goodbye(settings.WorkerId, $"failed: {failure.Message}"));
            End(WorkerOutcomeKind.Failed, failure.Message);
            return;
        }
        _shardsDone += computed.Assignment.Shards.Length;
        if (_draining)
            SayGoodbye();
        else
            StartNext();
    }

    private void SayGoodbye()
    {
        SendToCoordinator(new Goodbye(settings.WorkerId, _drainReason));
        Log.LogInformation("Worker {WorkerId} said goodbye: {Reason}", settings.WorkerId, _drainReason);
        End(WorkerOutcomeKind.Left, _drainReason);
    }

    private void End(WorkerOutcomeKind kind, string detail)
    {
        _done = true;
        _queue.Clear();
        _ticks?.Dispose();
        outcome.TrySetResult(new WorkerOutcome(kind, detail, _shardsDone));
    }
}
