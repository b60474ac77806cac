using Akka.Event;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.DataPlane;
using ClusterMnist.Cluster.Messages;
using ClusterMnist.Cluster.Serialization;
using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Actors;

// One step: assign the shards, collect the partials, reduce, apply, move on.
internal sealed partial class CoordinatorActor
{
    private readonly double[] _shardLoss;
    private readonly int[] _shardCorrect;
    private readonly Dictionary<long, Assignment> _assignments = [];
    private readonly List<int> _pending = [];
    private readonly HashSet<string> _stepWorkers = new(StringComparer.Ordinal);
    private CoordinatorPhase _phase = CoordinatorPhase.WaitingForWorkers;
    private string? _error;
    private bool _started;
    private bool _stepActive;
    private long _nextAssignmentId;
    // Partials' sums deferred into the attempt's update, held until it has added them (see ReleaseSums).
    private readonly List<ReadOnlyMemory<byte>> _deferredSums = [];
    private SharedTensorPool? _parameterPool;
    private SharedTensor? _parameterTensor;
    // Created at the first offer of shared memory to a worker; holds each version once, for all workers on this host.
    private SharedParameters? _sharedParameters;
    private long _parameterVersion = -1;
    private EvaluationResult? _lastTest;

    // Timing and traffic of the step in progress.
    private long _stepStart;
    private long? _epochStart;
    private int _stepAttempts;
    private int _stepSamples;
    private long _stepBytes;
    private double _stepCompute;
    private double _stepCommunication;
    private double _stepReduction;
    private int _stepReassignedShards;

    private void OnMembersAdded()
    {
        if (!_started)
        {
            int live = LiveMembers.Count();
            if (live < _settings.MinWorkers)
            {
                _log.Info("Waiting for workers: {0} of {1} joined", live, _settings.MinWorkers);
                return;
            }
            _started = true;
            StartStep();
        }
        else if (!_stepActive)
        {
            StartStep();
        }
        else if (_pending.Count > 0)
        {
            AssignPending();
        }
    }

    private void StartStep()
    {
        if (_run.IsComplete)
        {
            Finish(_lastTest);
            return;
        }
        if (!LiveMembers.Any())
        {
            _phase = CoordinatorPhase.WaitingForWorkers;
            _log.Warning("No live worker: step {0} waits until one joins", _run.NextStep);
            PublishStatus();
            return;
        }
        if (WaitsForScaleUp())
            return;
        _stepActive = true;
        _phase = CoordinatorPhase.Training;
        _stepStart = Stopwatch.GetTimestamp();
        _epochStart ??= _stepStart;
        _stepAttempts = 1;
        _stepSamples = _run.NextPlan.BatchRows;
        _stepBytes = 0;
        _stepCompute = _stepCommunication = _stepReduction = 0;
        _stepReassignedShards = 0;
        _stepWorkers.Clear();
        if (_parameterVersion != _run.GlobalStep)
            SnapshotParameters();
        StartAttempt();
    }

    // A planned scale-up (CoordinatorSettings.ScaleAt): the first step of that epoch waits for the workers; each join
    // comes back through OnMembersAdded, which starts the step again.
    private bool WaitsForScaleUp()
    {
        if (_settings.ScaleAt is not { } scale || _run.StepInEpoch != 0 || _run.Epoch + 1 != scale.Epoch)
            return false;
        int live = LiveMembers.Count();
        if (live >= scale.Workers)
            return false;
        _log.Info("Epoch {0} waits for {1} live worker(s) before it starts (scale-at {2}); {3} live", scale.Epoch, scale.Workers, scale, live);
        _phase = CoordinatorPhase.WaitingForWorkers;
        PublishStatus();
        return true;
    }

    private void StartAttempt()
    {
        ReleaseDeferredSums();
        _run.Reduction.Reset();
        _assignments.Clear();
        _pending.Clear();
        _pending.AddRange(Enumerable.Range(0, _run.NextPlan.ShardCount));
        AssignPending();
    }

    private void AssignPending()
    {
        var live = LiveMembers.ToList();
        if (live.Count == 0)
        {
            _phase = CoordinatorPhase.WaitingForWorkers;
            _log.Warning("No live worker: {0} shard(s) of step {1} wait until one joins", _pending.Count, _run.NextStep);
            return;
        }
        _phase = CoordinatorPhase.Training;
        var runs = ShardAssigner.Split(_pending, live.Select(m => m.Cores).ToArray());
        _pending.Clear();
        for (int w = 0; w < live.Count; w++)
        {
            if (runs[w].Length > 0)
                Send(live[w], runs[w]);
        }
    }

    private void Send(Member member, int[] shards)
    {
        var plan = _run.NextPlan;
        var batch = _run.NextBatch;
        int rows = 0;
        foreach (int shard in shards)
            rows += plan.ShardRows(shard);
        var indices = new int[rows];
        int at = 0;
        foreach (int shard in shards)
        {
            batch.Slice(plan.ShardStart(shard), plan.ShardRows(shard)).CopyTo(indices.AsSpan(at));
            at += plan.ShardRows(shard);
        }
        bool sendParameters = member.ParameterVersionSent != _parameterVersion;
        long streamBytes = 0;
        var parameters = ReadOnlyMemory<byte>.Empty;
        int sumsSlot = -1;
        switch (member.Route)
        {
            case TensorRoute.Inline when sendParameters:
                // The message holds its own reference to the parameters; the in-process worker releases it.
                _parameterTensor!.Retain();
                parameters = _parameterTensor.Bytes;
                break;
            case TensorRoute.SharedMemory:
                // Written once per version for all the workers on this host; the worker answers in a slot of its sums
                // file, or in the message when both its slots are still being read.
                if (sendParameters)
                    _sharedParameters!.Publish(_parameterVersion, _parameterTensor!.Floats);
                sumsSlot = member.SharedSums!.Rent();
                break;
            case TensorRoute.Stream:
                if (sendParameters)
                {
                    member.Stream!.SendParameters(_parameterVersion, _parameterTensor!);
                    streamBytes += _parameterTensor!.Bytes.Length;
                }
                break;
        }
        var message = new ComputeShards(_run.NextStep, ++_nextAssignmentId, _parameterVersion, parameters, plan.BatchRows, shards, indices,
            _run.Exponents.ToArray(), member.Route, sumsSlot);
        _assignments[message.AssignmentId] = new Assignment(message.AssignmentId, message.Step, member.Id, shards, Now, Stopwatch.GetTimestamp(),
            sumsSlot >= 0 ? member.SharedSums : null, sumsSlot);
        _stepWorkers.Add(member.Id);
        // A worker on another node gets it on its stream, after the parameters it names; one in this process as a message.
        if (member.Stream is { } stream)
            stream.SendAssignment(message);
        else
            member.Actor.Tell(message, Self);
        member.ParameterVersionSent = _parameterVersion;
        // What crosses the node boundary: the message as serialized, and the tensor frames of the data plane.
        _stepBytes += TensorMessageSerializer.SizeOf(message) + streamBytes;
    }

    private void ReassignShardsOf(string workerId)
    {
        if (!_stepActive)
            return;
        var gone = _assignments.Values.Where(a => a.WorkerId == workerId).ToList();
        if (gone.Count == 0)
            return;
        foreach (var assignment in gone)
        {
            _assignments.Remove(assignment.Id);
            _pending.AddRange(assignment.Shards);
            // No answer will be read from its slot now.
            assignment.Sums?.Return(assignment.SumsSlot);
        }
        _pending.Sort();
        _reassignments += gone.Count;
        int shards = gone.Sum(a => a.Shards.Length);
        _stepReassignedShards += shards;
        _log.Info("Reassigning {0} shard(s) of step {1} from {2}", shards, _run.NextStep, workerId);
        AssignPending();
    }

    // In one process, answers come as messages from the worker actor itself; a worker on another node answers on its
    // stream (OnStreamReceived).
    private void OnShardsDone(ShardsDone done)
    {
        if (done.SumsRoute != TensorRoute.Inline || !_members.TryGetValue(done.WorkerId, out var member) || member.IsRemote
            || !member.Actor.Equals(Sender))
        {
            _log.Warning("Ignored an answer naming {0} for assignment {1} from {2}: a worker answers for itself, and one on another node on its data plane stream",
                done.WorkerId, done.AssignmentId, Sender.Path);
            ReleaseSums(done.Sums);
            return;
        }
        AddShardsDoneOrRelease(done);
    }

    // What a worker's stream delivers comes from that worker as long as the stream is still its member's.
    private void OnStreamReceived(StreamReceived received)
    {
        var member = MemberOf(received.Stream);
        switch (received.Message)
        {
            case ShardsDone done when member is null:
                ReleaseSums(done.Sums);
                break;
            case ShardsDone done when !string.Equals(done.WorkerId, member.Id, StringComparison.Ordinal):
                ReleaseSums(done.Sums);
                _log.Error("Worker {0} answered on its stream in the name of {1}", member.Id, done.WorkerId);
                MarkGone(member, MemberState.Dead, "answered in another worker's name");
                break;
            case ShardsDone done:
                AddShardsDoneOrRelease(done.SumsRoute == TensorRoute.SharedMemory ? WithSharedSums(done) : done);
                break;
            case Goodbye bye when member is { IsPresent: true }:
                Leave(member, bye.Reason);
                break;
        }
    }

    private void AddShardsDoneOrRelease(ShardsDone done)
    {
        bool deferred = false;
        try
        {
            AddShardsDone(done, ref deferred);
        }
        finally
        {
            // Ignored (late, malformed, or failed before it was deferred): nothing refers to the sums any more.
            // Deferred ones are released when the attempt's update has added them.
            if (!deferred)
                ReleaseSums(done.Sums);
        }
    }

    // An answer through shared memory gets the sums slot its (current) assignment named as its sums; anything else
    // (a late answer, a slot other than the one assigned) keeps empty sums and is ignored or refused as malformed.
    private ShardsDone WithSharedSums(ShardsDone done)
    {
        if (!done.Sums.IsEmpty)
        {
            // Sums both in the message and in a slot: malformed. The message's buffer goes back before it is dropped.
            ReleaseSums(done.Sums);
            return done with { SharedSumsSlot = -1, Sums = ReadOnlyMemory<byte>.Empty, MaxAbs = ReadOnlyMemory<float>.Empty };
        }
        return _assignments.TryGetValue(done.AssignmentId, out var assignment) && assignment.Sums is { } sums
            && assignment.SumsSlot == done.SharedSumsSlot && string.Equals(assignment.WorkerId, done.WorkerId, StringComparison.Ordinal)
            ? done with { Sums = sums.Filled(done.SharedSumsSlot) }
            : done;
    }

    // Called after the update that read them (or after a reset that dropped them).
    private void ReleaseDeferredSums()
    {
        foreach (var sums in _deferredSums)
            ReleaseSums(sums);
        _deferredSums.Clear();
    }

    /// <summary>
    /// Gives back the buffer behind a partial's sums once nothing reads them: an in-process worker's pooled tensor
    /// (which it reuses), a shared memory slot, or a data plane frame's pooled buffer. Does nothing for other memory.
    /// </summary>
    private static void ReleaseSums(ReadOnlyMemory<byte> sums) => PooledTensor.Release(sums);

    private void AddShardsDone(ShardsDone done, ref bool deferred)
    {
        if (!_stepActive || !_assignments.TryGetValue(done.AssignmentId, out var assignment)
            || assignment.Step != done.Step || !string.Equals(assignment.WorkerId, done.WorkerId, StringComparison.Ordinal))
        {
            _lateAnswersIgnored++;
            PublishStatus();
            _log.Debug("Ignored a late answer from {0} for step {1}, assignment {2}", done.WorkerId, done.Step, done.AssignmentId);
            return;
        }
        var member = _members[done.WorkerId];
        member.LastSeen = Now;
        var sums = MemoryMarshal.Cast<byte, int>(done.Sums.Span);
        if (!done.Shards.Span.SequenceEqual(assignment.Shards) || sums.Length != _run.Layout.ParameterCount
            || done.MaxAbs.Length != _run.Layout.SegmentCount || done.Overflow.Length != _run.Layout.SegmentCount
            || done.ShardLoss.Length != assignment.Shards.Length || done.ShardCorrect.Length != assignment.Shards.Length)
        {
            _log.Error("Worker {0} sent a malformed partial for assignment {1}", done.WorkerId, done.AssignmentId);
            MarkGone(member, MemberState.Dead, "sent a malformed partial");
            return;
        }
        long start = Stopwatch.GetTimestamp();
        // The sums (an in-process worker's pooled tensor, or a view of the received message) never change: they are
        // added, without copying, in ApplyStep's parallel pass, fused with producing the gradient, and held until then.
        var ints = SharedTensor.Of(done.Sums) is { } shared ? shared.IntMemory : new Int32BytesView(done.Sums).Memory;
        _deferredSums.Add(done.Sums);
        deferred = true;
        _run.Reduction.AddDeferred(ints, done.MaxAbs.Span, done.Overflow.Span, assignment.Shards.Length);
        var plan = _run.NextPlan;
        for (int i = 0; i < assignment.Shards.Length; i++)
        {
            int shard = assignment.Shards[i];
            _shardLoss[shard] = done.ShardLoss.Span[i];
            _shardCorrect[shard] = done.ShardCorrect.Span[i];
            member.SamplesDone += plan.ShardRows(shard);
        }
        member.ShardsDone += assignment.Shards.Length;
        member.ComputeSeconds += done.ComputeSeconds;
        // Bytes between the nodes: the message as serialized, and a stream frame's sums (shared memory moves none).
        _stepBytes += TensorMessageSerializer.SizeOf(done) - (done.SumsRoute == TensorRoute.SharedMemory ? done.Sums.Length : 0);
        _assignments.Remove(assignment.Id);
        // Answered in the message although it was given a slot (e.g. the worker could not use its file): free the slot.
        if (done.SumsRoute != TensorRoute.SharedMemory)
            assignment.Sums?.Return(assignment.SumsSlot);
        _stepReduction += Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (_assignments.Count > 0 || _pending.Count > 0)
            return;

        // The last answer of the attempt is its critical path.
        double roundTrip = Stopwatch.GetElapsedTime(assignment.SentTimestamp).TotalSeconds;
        _stepCompute += done.ComputeSeconds;
        _stepCommunication += Math.Max(0, roundTrip - done.ComputeSeconds);
        CompleteAttempt();
    }

    private void CompleteAttempt()
    {
        long start = Stopwatch.GetTimestamp();
        // The next version's parameter buffer is written in the same parallel pass that updates the parameters.
        _parameterPool ??= new SharedTensorPool(_run.Parameters.Length);
        var next = _parameterPool.Rent();
        bool applied;
        try
        {
            applied = _run.ApplyStep(_shardLoss, _shardCorrect, next.Floats);
        }
        finally
        {
            ReleaseDeferredSums();
        }
        if (applied)
            UseParameters(next);
        else
            next.Release();
        _stepReduction += Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!applied)
        {
            _stepAttempts++;
            _epochRedos++;
            // Debug: a small network can redo several steps an epoch; the epoch report counts them (Redos).
            _log.Debug("Step {0} overflowed the reduction exponents; redoing it with raised exponents", _run.NextStep);
            StartAttempt();
            return;
        }
        StepDone();
    }

    private void StepDone()
    {
        _stepActive = false;
        double stepSeconds = Stopwatch.GetElapsedTime(_stepStart).TotalSeconds;
        double epochSeconds = _run.EpochSecondsBefore + Stopwatch.GetElapsedTime(_epochStart ?? _stepStart).TotalSeconds;
        if (_settings.CheckpointPath is { } path && _settings.CheckpointEverySteps > 0
            && _run.GlobalStep % _settings.CheckpointEverySteps == 0 && !_run.IsEpochFinished)
        {
            Checkpoint.Write(path, _run.Capture(_settings.CheckpointEverySteps, epochSeconds));
        }
        // The buffer the step wrote its parameters into (and the workers now read); a handler copies what it keeps.
        if (_events.WantsParameters)
            _events.OnParameters(new ParameterSnapshot(_run.GlobalStep, _run.Epoch + 1, _parameterTensor!.Floats));

        var time = new StepTimeSplit(_stepCompute, _stepCommunication, _stepReduction,
            Math.Max(0, stepSeconds - _stepCompute - _stepCommunication - _stepReduction));
        var (loss, accuracy, samples) = _run.EpochSoFar;
        var stepReport = new StepReport(_run.Epoch + 1, _run.GlobalStep, _run.StepInEpoch, _run.StepsPerEpoch, loss, accuracy,
            samples / Math.Max(epochSeconds, 1e-9));
        _lastStep = new ClusterStepReport(stepReport, _stepSamples, LiveMembers.Count(), _stepWorkers.Count, _stepBytes, _stepAttempts, stepSeconds, time);
        _epochSteps++;
        _epochBytes += _stepBytes;
        _epochBytesPerWorker += (double)_stepBytes / Math.Max(1, _stepWorkers.Count);
        _epochTime = _epochTime.Add(time);
        _events.OnStep(_lastStep);
        if (_stepReassignedShards > 0)
        {
            // How long a failure stalled the step: the operator's measure of failure detection plus recovery.
            _log.Info("Step {0} completed {1:F2} s after it started, with {2} reassigned shard(s)",
                _run.GlobalStep, stepSeconds, _stepReassignedShards);
        }

        if (_run.IsEpochFinished)
            FinishEpoch(epochSeconds);
        PublishStatus();
        if (!_finished)
            StartStep();
    }

    // The parameters workers compute the next step from: a fresh pooled buffer, since workers may still hold (and
    // read) the previous version's until they receive this one.
    private void SnapshotParameters()
    {
        _parameterPool ??= new SharedTensorPool(_run.Parameters.Length);
        var tensor = _parameterPool.Rent();
        _run.Parameters.CopyTo(tensor.Floats);
        UseParameters(tensor);
    }

    private void UseParameters(SharedTensor tensor)
    {
        _parameterTensor?.Release();
        _parameterTensor = tensor;
        _parameterVersion = _run.GlobalStep;
    }

    private void FinishEpoch(double epochSeconds)
    {
        var (report, test) = _run.FinishEpoch(epochSeconds);
        _lastTest = test;
        _epochStart = null;
        if (_settings.CheckpointPath is { } path)
            Checkpoint.Write(path, _run.Capture(_settings.CheckpointEverySteps, 0));
        var clusterReport = new ClusterEpochReport(report, LiveMembers.Count(), (double)_epochBytes / Math.Max(1, _epochSteps),
            _epochBytesPerWorker / Math.Max(1, _epochSteps), 4L * _run.Layout.ParameterCount, _epochTime.Divide(_epochSteps),
            _epochRedos, _reassignments - _reassignmentsBeforeEpoch, _lateAnswersIgnored - _lateAnswersBeforeEpoch);
        _history.Add(clusterReport);
        _epochSteps = 0;
        _epochBytes = 0;
        _epochBytesPerWorker = 0;
        _epochTime = StepTimeSplit.Zero;
        _epochRedos = 0;
        _reassignmentsBeforeEpoch = _reassignments;
        _lateAnswersBeforeEpoch = _lateAnswersIgnored;
        _events.OnEpoch(clusterReport);
    }

    private void Finish(EvaluationResult? test)
    {
        _finished = true;
        _phase = CoordinatorPhase.Completed;
        var result = _run.Result(test);
        foreach (var member in _members.Values.Where(m => m.IsPresent))
            member.Actor.Tell(new TrainingFinished(result.ParameterSha256), Self);
        _log.Info("Training complete after {0} steps: parameters {1}", _run.GlobalStep, result.ParameterSha256);
        PublishStatus();
        _events.Complete(result);
    }
}
