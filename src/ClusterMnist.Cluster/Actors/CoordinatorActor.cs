using Akka.Actor;
using Akka.Event;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Actors;

/// <summary>
/// Runs synchronous data-parallel SGD over its member workers. Each step it cuts the batch of the shared
/// <see cref="TrainingRun"/> into the run's fixed micro-shards, hands them to the live workers in proportion to their
/// cores (parameters published once per step and worker, through the worker's data plane), adds their exact int32
/// partials as they arrive and, when every shard is in, applies the optimizer (or redoes the step with raised
/// exponents). A worker that leaves, dies, becomes unreachable or misses its deadline has its shards reassigned; answers
/// for assignments that are no longer current are ignored. Because the reduction is exact and order-free, the
/// parameters never depend on which worker computed what.
/// </summary>
internal sealed partial class CoordinatorActor : UntypedActor, IWithTimers
{
    private readonly TrainingRun _run;
    private readonly CoordinatorSettings _settings;
    private readonly CoordinatorEvents _events;
    private readonly ICoordinatorDataPlane? _dataPlane;
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _nextJoinOrder;
    private bool _finished;

    public CoordinatorActor(TrainingRun run, CoordinatorSettings settings, CoordinatorEvents events, ICoordinatorDataPlane? dataPlane)
    {
        _run = run;
        _settings = settings;
        _events = events;
        _dataPlane = dataPlane;
        _shardLoss = new double[run.Layout.ShardsPerBatch];
        _shardCorrect = new int[run.Layout.ShardsPerBatch];
    }

    /// <summary>Set by Akka before the actor starts.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    private IEnumerable<Member> LiveMembers => _members.Values.Where(m => m.IsLive).OrderBy(m => m.JoinOrder);

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <summary>
    /// A coordinator of <paramref name="run"/>. Workers on other nodes need <paramref name="dataPlane"/>, where their
    /// tensors travel; workers in this process pass them by reference.
    /// </summary>
    public static Props Props(TrainingRun run, CoordinatorSettings settings, CoordinatorEvents events, ICoordinatorDataPlane? dataPlane = null)
        => Akka.Actor.Props.Create(() => new CoordinatorActor(run, settings, events, dataPlane));

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(CheckDeadlines.Instance, CheckDeadlines.Instance, _settings.AssignmentTimeout / 4);
        WatchClusterMembership();
        PublishStatus();
        if (_run.IsComplete)
        {
            // A resumed checkpoint of a finished run: there is nothing to wait for.
            _log.Info("Coordinator {0} started on a completed run ({1} epochs done); no workers needed", _settings.Name, _run.Options.Epochs);
            Finish(null);
            return;
        }
        _log.Info("Coordinator {0} started: {1} steps per epoch, {2} epochs, waiting for {3} worker(s)",
            _settings.Name, _run.StepsPerEpoch, _run.Options.Epochs, _settings.MinWorkers);
    }

    protected override void PostStop()
    {
        UnwatchClusterMembership();
        foreach (var member in _members.Values)
            ReleaseDataPlane(member);
        CloseStreamsOfReplacedWorkers();
        ReleaseDeferredSums();
        _sharedParameters?.Dispose();
        if (!_finished)
            _events.Fail(new OperationCanceledException("The coordinator was stopped before the run completed."));
    }

    protected override void OnReceive(object message)
    {
        if (_finished)
        {
            OnReceiveWhenFinished(message);
            return;
        }
        try
        {
            switch (message)
            {
                case JoinRequest join:
                    OnJoin(join);
                    break;
                case WorkerReady ready:
                    OnReady(ready);
                    break;
                case ShardsDone done:
                    OnShardsDone(done);
                    break;
                case StreamReceived received:
                    OnStreamReceived(received);
                    break;
                case StreamConnected connected:
                    OnStreamConnected(connected);
                    break;
                case StreamClosed closed:
                    OnStreamClosed(closed);
                    break;
                case Goodbye bye:
                    OnGoodbye(bye);
                    break;
                case Terminated terminated:
                    OnTerminated(terminated);
                    break;
                case CheckDeadlines:
                    OnCheckDeadlines();
                    break;
                case DownIfStillUnreachable check:
                    OnDownIfStillUnreachable(check);
                    break;
                default:
                    if (!OnClusterEvent(message))
                        Unhandled(message);
                    break;
            }
        }
        catch (Exception error)
        {
            // The run's state cannot survive a restart of this actor, so any failure ends the run, visibly.
            Fail(error);
        }
    }

    private void OnReceiveWhenFinished(object message)
    {
        switch (message)
        {
            case JoinRequest or WorkerReady:
                Sender.Tell(new TrainingFinished(ParameterHash.Sha256(_run.Parameters)));
                break;
            case ShardsDone late:
                // Nothing reads it now: the buffer behind its sums is given back.
                ReleaseSums(late.Sums);
                break;
            case StreamReceived { Message: ShardsDone late }:
                ReleaseSums(late.Sums);
                break;
            case StreamConnected late:
                late.Stream.Close("the run is over");
                break;
            case DownIfStillUnreachable check:
                OnDownIfStillUnreachable(check);
                break;
            default:
                OnClusterEvent(message);
                break;
        }
    }

    private void Fail(Exception error)
    {
        _log.Error(error, "Coordinator {0} failed: {1}", _settings.Name, error.Message);
        _finished = true;
        _phase = CoordinatorPhase.Failed;
        _error = error.Message;
        PublishStatus();
        _events.Fail(error);
    }

    /// <summary>Periodic tick: declare workers that have not answered an assignment in time dead.</summary>
    private sealed class CheckDeadlines : INoSerializationVerificationNeeded
    {
        public static CheckDeadlines Instance { get; } = new();

        private CheckDeadlines()
        {
        }
    }
}
