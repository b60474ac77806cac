using ClusterMnist.Actors;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Core.Training;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Coordinator;

/// <summary>
/// Runs synchronous data-parallel SGD over its member workers. Each step it cuts the batch of the shared
/// <see cref="TrainingRun"/> into the run's fixed micro-shards, hands them to the live workers in proportion to their
/// cores (parameters broadcast once per step and worker), adds their exact int32 partials as they arrive and, when
/// every shard is in, applies the optimizer (or redoes the step with raised exponents). A worker that leaves, dies or
/// falls silent has its shards reassigned; answers for assignments that are no longer current are ignored. Because
/// the reduction is exact and order-free, the parameters never depend on which worker computed what.
/// </summary>
internal sealed partial class CoordinatorActor : Actor
{
    private readonly TrainingRun _run;
    private readonly CoordinatorSettings _settings;
    private readonly CoordinatorEvents _events;
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private IDisposable? _deadlineTimer;
    private long _nextJoinOrder;
    private bool _finished;

    public CoordinatorActor(TrainingRun run, CoordinatorSettings settings, CoordinatorEvents events)
    {
        _run = run;
        _settings = settings;
        _events = events;
        _shardLoss = new double[run.Layout.ShardsPerBatch];
        _shardCorrect = new int[run.Layout.ShardsPerBatch];
    }

    private ILogger Log => Context.Logger;

    private TimeProvider Time => Context.System.TimeProvider;

    private IEnumerable<Member> LiveMembers => _members.Values.Where(m => m.IsLive).OrderBy(m => m.JoinOrder);

    protected override Task PreStartAsync()
    {
        var interval = (_settings.WorkerTimeout < _settings.AssignmentTimeout ? _settings.WorkerTimeout : _settings.AssignmentTimeout) / 4;
        _deadlineTimer = Context.System.Scheduler.SchedulePeriodic(interval, interval, Self, CheckWorkerDeadlines.Instance);
        PublishStatus();
        if (_run.IsComplete)
        {
            // A resumed checkpoint of a finished run: there is nothing to wait for.
            Log.LogInformation("Coordinator {Name} started on a completed run ({Epochs} epochs done); no workers needed",
                _settings.Name, _run.Options.Epochs);
            Finish(null);
            return Task.CompletedTask;
        }
        Log.LogInformation("Coordinator {Name} started: {Steps} steps per epoch, {Epochs} epochs, waiting for {MinWorkers} worker(s)",
            _settings.Name, _run.StepsPerEpoch, _run.Options.Epochs, _settings.MinWorkers);
        return Task.CompletedTask;
    }

    protected override Task PostStopAsync()
    {
        _deadlineTimer?.Dispose();
        foreach (var member in _members.Values)
            ReleaseSharedMemory(member);
        _sharedParameters?.Dispose();
        if (!_finished)
            _events.Fail(new OperationCanceledException("The coordinator was stopped before the run completed."));
        return Task.CompletedTask;
    }

    protected override Task ReceiveAsync(object message)
    {
        if (_finished)
        {
            if (message is JoinRequest or Heartbeat && Sender is { } late)
                TryTell(late, new TrainingFinished(ParameterHash.Sha256(_run.Parameters)), out _);
            // A late answer after the run: nothing reads it, so the buffer behind its sums is given back.
            if (message is ShardsDone lateDone)
                ReleaseSums(lateDone.Sums);
            return Task.CompletedTask;
        }
        try
        {
            switch (message)
            {
                case JoinRequest join:
                    OnJoin(join);
                    break;
                case ShardsDone done:
                    OnShardsDone(done);
                    break;
                case Heartbeat beat:
                    OnHeartbeat(beat);
                    break;
                case SharedMemoryReady ready:
                    OnSharedMemoryReady(ready);
                    break;
                case Goodbye bye:
                    OnGoodbye(bye);
                    break;
                case Terminated terminated:
                    OnTerminated(terminated);
                    break;
                case CheckWorkerDeadlines:
                    CheckDeadlines();
                    break;
                default:
                    Log.LogWarning("Coordinator ignored an unexpected {MessageType}", message.GetType().Name);
                    break;
            }
        }
        catch (Exception error)
        {
            // The run's state cannot survive a restart of this actor, so any failure ends the run, visibly.
            Fail(error);
        }
        return Task.CompletedTask;
    }

    private void Fail(Exception error)
    {
        Log.LogError(error, "Coordinator {Name} failed: {Message}", _settings.Name, error.Message);
        _finished = true;
        _phase = CoordinatorPhase.Failed;
        _error = error.Message;
        PublishStatus();
        _events.Fail(error);
    }
}
