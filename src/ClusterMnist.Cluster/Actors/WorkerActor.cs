using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Data;
using static Akka.Cluster.ClusterEvent;

namespace ClusterMnist.Cluster.Actors;

/// <summary>
/// A worker: finds the coordinator (given, in one process; else the member of role coordinator once it is up), joins
/// with its id and cores, loads the data set it is told to and attaches to the data plane it is offered, says it is
/// ready, then computes the shards it is assigned on a background task (so its mailbox stays free for a drain) and
/// answers each assignment with its exact partial. On <see cref="Drain"/> it finishes the assignment in progress, says
/// goodbye and stops taking work.
/// </summary>
internal sealed partial class WorkerActor : UntypedActor, IWithTimers
{
    private readonly WorkerSettings _settings;
    private readonly IWorkerResources _resources;
    private readonly WorkerProgress _progress;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<ComputeShards> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private IActorRef? _coordinator;
    private ShardComputer? _computer;
    private JoinAccepted? _accepted;
    private ICoordinatorStream? _stream;
    private bool _ready;
    private string? _coordinatorStopping;
    private string _route = "";
    private bool _computing;
    private bool _draining;
    private string _drainReason = "";
    private bool _done;
    private long _shardsDone;

    public WorkerActor(WorkerSettings settings, IActorRef? coordinator, IWorkerResources resources, WorkerProgress progress)
    {
        _settings = settings;
        _coordinator = coordinator;
        _resources = resources;
        _progress = progress;
    }

    /// <summary>Set by Akka before the actor starts.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// A worker that joins <paramref name="coordinator"/>, or, when that is null, the coordinator of the cluster this
    /// actor system is a member of. <paramref name="progress"/> says when it is ready and how it stopped taking part.
    /// </summary>
    public static Props Props(WorkerSettings settings, IActorRef? coordinator, IWorkerResources resources, WorkerProgress progress)
        => Akka.Actor.Props.Create(() => new WorkerActor(settings, coordinator, resources, progress));

    protected override void PreStart()
    {
        if (_coordinator is null)
        {
            // Looked for once this node is up, so that a worker never takes shards while the cluster still counts it
            // as joining (nor shows as joining while it trains).
            var self = Self;
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            cluster.RegisterOnMemberUp(() => cluster.Subscribe(self, SubscriptionInitialStateMode.InitialStateAsEvents, typeof(MemberUp)));
        }
        else
        {
            UseCoordinator(_coordinator);
        }
        Timers.StartPeriodicTimer(RetryJoin.Instance, RetryJoin.Instance, _settings.JoinRetryInterval);
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        // A computation still running ends with an error that nobody reads; its threads are joined here.
        _computer?.Dispose();
        _ = _stream?.DisposeAsync().AsTask();
        _progress.End(new WorkerOutcome(WorkerOutcomeKind.Stopped, "stopped", _shardsDone));
    }

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case MemberUp up when _coordinator is null && up.Member.HasRole(ClusterRoles.Coordinator):
                // The coordinator's actor has a well-known name on its node; resolving it gives a reference to watch.
                Context.ActorSelection(new RootActorPath(up.Member.Address) / "user" / CoordinatorHost.ActorName).Tell(new Identify(up.Member.Address));
                break;
            case ActorIdentity { Subject: { } coordinator } when _coordinator is null:
                UseCoordinator(coordinator);
                break;
            case RetryJoin when !_done && _accepted is null && _coordinator is not null:
                SendJoin();
                break;
            case JoinAccepted accepted when !_done && Sender.Equals(_coordinator):
                OnAccepted(accepted);
                break;
            case Prepared prepared:
                OnPrepared(prepared);
                break;
            case WorkerAdmitted admitted when !_done && _ready && Sender.Equals(_coordinator):
                OnAdmitted(admitted);
                break;
            case JoinRefused refused when !_done:
                // Debug: the host reports the outcome itself, with the reason (the CLI's worker as its error line).
                _log.Debug("Worker {0} was refused by the coordinator: {1}", _settings.WorkerId, refused.Reason);
                End(WorkerOutcomeKind.Refused, refused.Reason);
                break;
            case ComputeShards assignment when !_done && !_draining && _ready:
                _queue.Enqueue(assignment);
                StartNext();
                break;
            case ComputeShards ignored:
                _log.Debug("Worker {0} ignored assignment {1} (not accepting work)", _settings.WorkerId, ignored.AssignmentId);
                break;
            case AssignmentComputed computed:
                OnComputed(computed);
                break;
            case Drain drain when !_done && !_draining:
                _draining = true;
                _drainReason = drain.Reason;
                _queue.Clear();
                if (!_computing)
                    SayGoodbye(_drainReason, WorkerOutcomeKind.Left, _drainReason);
                break;
            case GoodbyeSent sent when !_done:
                if (sent.Failure is null)
                    _log.Info("Worker {0} said goodbye: {1}", _settings.WorkerId, sent.Reason);
                else
                    _log.Warning("Worker {0} could not say goodbye on its stream ({1}); leaving all the same", _settings.WorkerId, sent.Failure);
                End(sent.Outcome, sent.Detail);
                break;
            case TrainingFinished finished when !_done:
                // Debug: the host reports the outcome itself.
                _log.Debug("Worker {0}: training finished, parameters {1}", _settings.WorkerId, finished.ParameterSha256);
                End(WorkerOutcomeKind.Finished, finished.ParameterSha256);
                break;
            case CoordinatorStopping stopping when !_done:
                _coordinatorStopping = stopping.Reason;
                break;
            case Terminated terminated when !_done && _coordinatorStopping is { } why && terminated.ActorRef.Equals(_coordinator):
                // Its host stops the whole run on purpose (a cancelled train): the coordinator's end is no news.
                _log.Info("Worker {0} stopped with the coordinator: {1}", _settings.WorkerId, why);
                End(WorkerOutcomeKind.Left, why);
                break;
            case Terminated terminated when !_done && terminated.ActorRef.Equals(_coordinator):
                string reason = terminated.AddressTerminated ? "its node left the cluster or was lost" : "its actor stopped";
                _log.Warning("Worker {0} lost the coordinator: {1}", _settings.WorkerId, reason);
                End(WorkerOutcomeKind.LostCoordinator, $"the coordinator is gone ({reason})");
                break;
            case StreamEnded ended when !_done && ReferenceEquals(ended.Stream, _stream):
                _log.Warning("Worker {0} lost its data plane stream: {1}", _settings.WorkerId, ended.Reason);
                End(WorkerOutcomeKind.LostCoordinator, $"the data plane stream closed: {ended.Reason}");
                break;
            default:
                break;
        }
    }

    private void UseCoordinator(IActorRef coordinator)
    {
        _coordinator = coordinator;
        Context.Watch(coordinator);
        SendJoin();
    }

    private void SendJoin() => _coordinator!.Tell(new JoinRequest(_settings.WorkerId, _settings.Threads, _settings.SharedMemory));

    // On the stream when there is one, so that it follows the answers already sent there (a goodbye over Akka could
    // overtake them, and the coordinator would redo shards that were done); the worker has ended, with the outcome
    // given, once it is written (or the stream is gone, which the coordinator sees as well).
    private void SayGoodbye(string reason, WorkerOutcomeKind outcome, string detail)
    {
        if (_stream is { } stream)
        {
            var self = Self;
            stream.SendGoodbyeAsync(reason, CancellationToken.None).AsTask()
                .ContinueWith(sent => self.Tell(new GoodbyeSent(reason, outcome, detail,
                        sent.IsCompletedSuccessfully ? null : sent.Exception?.GetBaseException().Message)),
                    TaskScheduler.Default);
            return;
        }
        if (_coordinator is not null)
        {
            _coordinator.Tell(new Goodbye(_settings.WorkerId, reason));
            _log.Info("Worker {0} said goodbye: {1}", _settings.WorkerId, reason);
        }
        End(outcome, detail);
    }

    private void End(WorkerOutcomeKind kind, string detail)
    {
        _done = true;
        _queue.Clear();
        Timers.CancelAll();
        _progress.End(new WorkerOutcome(kind, detail, _shardsDone));
    }

    /// <summary>Local: the goodbye on the stream is written (Failure null) or could not be; the worker ends with Outcome.</summary>
    private sealed record GoodbyeSent(string Reason, WorkerOutcomeKind Outcome, string Detail, string? Failure) : INoSerializationVerificationNeeded;

    /// <summary>Periodic tick: repeat the join request while it is unanswered.</summary>
    private sealed class RetryJoin : INoSerializationVerificationNeeded
    {
        public static RetryJoin Instance { get; } = new();

        private RetryJoin()
        {
        }
    }
}

/// <summary>Local: leave after finishing the shards in progress (what a worker host does on SIGTERM).</summary>
public sealed record Drain(string Reason) : IWorkerMessage, INoSerializationVerificationNeeded;

/// <summary>Local: the host is about to stop the coordinator on purpose (the whole run stops); its end is no news.</summary>
public sealed record CoordinatorStopping(string Reason) : IWorkerMessage, INoSerializationVerificationNeeded;
