using System.Runtime.InteropServices;
using ClusterMnist.Actors;
using ClusterMnist.Actors.Remoting;
using ClusterMnist.Cluster.Protocol;
using ClusterMnist.Core.Evaluation;
using ClusterMnist.Core.Training;
using Microsoft.Extensions.Logging;

namespace ClusterMnist.Cluster.Coordinator;

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
                Log.LogInformation("Waiting for workers: {Live} of {MinWorkers} joined", live, _settings.MinWorkers);
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
            Log.LogWarning("No live worker: step {Step} waits until one joins", _run.NextStep);
            PublishStatus();
            return;
        }
        _stepActive = true;
        _phase = CoordinatorPhase.Training;
        _stepStart = Time.GetTimestamp();
        _epochStart ??= _stepStart;
        _stepAttempts = 1;
        _stepBytes = 0;
        _stepCompute = _stepCommunication = _stepReduction = 0;
        _stepReassignedShards = 0;
        _stepWorkers.Clear();
        if (_parameterVersion != _run.GlobalStep)
            SnapshotParameters();
        StartAttempt();
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
            Log.LogWarning("No live worker: {Shards} shard(s) of step {Step} wait until one joins", _pending.Count, _run.NextStep);
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
        // A worker on this host reads the parameters from the shared file (written once per version for all of them)
        // and answers in a slot of its sums file; when both its slots are still being read, it answers in the message.
        var sharedSums = member.SharedSums;
        bool shareParameters = sendParameters && sharedSums is not null;
        if (shareParameters)
            _sharedParameters!.Publish(_parameterVersion, _parameterTensor!.Floats);
        int sumsSlot = sharedSums?.Rent() ?? -1;
        bool inlineParameters = sendParameters && !shareParameters;
        var message = new ComputeShards(_run.NextStep, ++_nextAssignmentId, _parameterVersion,
            inlineParameters ? _parameterTensor!.Bytes : ReadOnlyMemory<byte>.Empty, plan.BatchRows, shards, indices, _run.Exponents.ToArray(),
            shareParameters, sumsSlot);
        // The message holds its own reference to the parameters; an in-process worker releases it.
        if (inlineParameters)
            _parameterTensor!.Retain();
        _assignments[message.AssignmentId] = new Assignment(message.AssignmentId, message.Step, member.Id, shards, Time.GetTimestamp(),
            sumsSlot >= 0 ? sharedSums : null, sumsSlot);
        _stepWorkers.Add(member.Id);
        if (TryTell(member.Actor, message, out var error))
        {
            member.ParameterVersionSent = _parameterVersion;
            // Counted after the send, so that building the wire form for the count does not delay the worker.
            _stepBytes += TrainingWire.SizeOf(message);
        }
        else
        {
            if (inlineParameters)
                _parameterTensor!.Release();
            Log.LogWarning("Worker {WorkerId} cannot take work ({Message}); declaring it dead", member.Id, error);
            MarkGone(member, MemberState.Dead, $"unreachable: {error}");
        }
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
        Log.LogInformation("Reassigning {Shards} shard(s) of step {Step} from {WorkerId}", shards, _run.NextStep, workerId);
        AssignPending();
    }

    private void OnShardsDone(ShardsDone done)
    {
        done = WithSharedSums(done);
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
        if (done.SharedSumsSlot < 0)
            return done;
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
    /// (which it reuses), or a received message's leased receive buffer. Does nothing for other memory.
    /// </summary>
    private static void ReleaseSums(ReadOnlyMemory<byte> sums)
    {
        SharedTensor.ReleaseIfShared(sums);
        SharedSums.ReleaseIfSlot(sums);
        TensorBytes.Release(sums);
    }

    private void AddShardsDone(ShardsDone done, ref bool deferred)
    {
        Touch(done.WorkerId);
        if (!_stepActive || !_assignments.TryGetValue(done.AssignmentId, out var assignment)
            || assignment.Step != done.Step || !string.Equals(assignment.WorkerId, done.WorkerId, StringComparison.Ordinal))
        {
            _lateAnswersIgnored++;
            PublishStatus();
            Log.LogDebug("Ignored a late answer from {WorkerId} for step {Step}, assignment {AssignmentId}", done.WorkerId, done.Step, done.AssignmentId);
            return;
        }
        var member = _members[done.WorkerId];
        var sums = MemoryMarshal.Cast<byte, int>(done.Sums.Span);
        if (!done.Shards.Span.SequenceEqual(assignment.Shards) || sums.Length != _run.Layout.ParameterCount
            || done.MaxAbs.Length != _run.Layout.SegmentCount || done.Overflow.Length != _run.Layout.SegmentCount
            || done.ShardLoss.Length != assignment.Shards.Length || done.ShardCorrect.Length != assignment.Shards.Length)
        {
            Log.LogError("Worker {WorkerId} sent a malformed partial for assignment {AssignmentId}", done.WorkerId, done.AssignmentId);
            MarkGone(member, MemberState.Dead, "sent a malformed partial");
            return;
        }
        long start = Time.GetTimestamp();
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
        // Bytes on the wire: sums read from a shared slot did not travel in the message.
        _stepBytes += TrainingWire.SizeOf(done.SharedSumsSlot >= 0 ? done with { Sums = ReadOnlyMemory<byte>.Empty } : done);
        _assignments.Remove(assignment.Id);
        // Answered in the message although it was given a slot (e.g. the worker could not use its file): free the slot.
        if (done.SharedSumsSlot < 0)
            assignment.Sums?.Return(assignment.SumsSlot);
        _stepReduction += Time.GetElapsedTime(start).TotalSeconds;
        if (_assignments.Count > 0 || _pending.Count > 0)
            return;

        // The last answer of the attempt is its critical path.
        double roundTrip = Time.GetElapsedTime(assignment.SentTimestamp).TotalSeconds;
        _stepCompute += done.ComputeSeconds;
        _stepCommunication += Math.Max(0, roundTrip - done.ComputeSeconds);
        CompleteAttempt();
    }

    private void CompleteAttempt()
    {
        long start = Time.GetTimestamp();
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
        _stepReduction += Time.GetElapsedTime(start).TotalSeconds;
        if (!applied)
        {
            _stepAttempts++;
            _epochRedos++;
            Log.LogInformation("Step {Step} overflowed the reduction exponents; redoing it with raised exponents", _run.NextStep);
            StartAttempt();
            return;
        }
        StepDone();
    }

    private void StepDone()
    {
        _stepActive = false;
        double stepSeconds = Time.GetElapsedTime(_stepStart).TotalSeconds;
        double epochSeconds = _run.EpochSecondsBefore + Time.GetElapsedTime(_epochStart ?? _stepStart).TotalSeconds;
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
        _lastStep = new ClusterStepReport(stepReport, LiveMembers.Count(), _stepWorkers.Count, _stepBytes, _stepAttempts, stepSeconds, time);
        _epochSteps++;
        _epochBytes += _stepBytes;
        _epochBytesPerWorker += (double)_stepBytes / Math.Max(1, _stepWorkers.Count);
        _epochTime = _epochTime.Add(time);
        _events.OnStep(_lastStep);
        if (_stepReassignedShards > 0)
        {
            // How long a failure stalled the step: the operator's measure of failure detection plus recovery.
            Log.LogInformation("Step {Step} completed {Seconds:F2} s after it started, with {Shards} reassigned shard(s)",
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
        // Debug only: hosts print their own epoch line from EpochCompleted (the CLI's has the full step time split).
        Log.LogDebug(
            "Epoch {Epoch}: loss {Loss:F4}, test accuracy {Accuracy:P2}, {SamplesPerSecond:F0} samples/s, {Workers} worker(s), {Bytes:F0} B/step/worker ({Ratio:F3}× parameter bytes)",
            report.Epoch, report.TrainLoss, report.TestAccuracy, report.SamplesPerSecond, clusterReport.LiveWorkers,
            clusterReport.BytesPerStepPerWorker, clusterReport.BytesPerStepPerWorker / clusterReport.ParameterBytes);
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
        foreach (var member in LiveMembers)
            TryTell(member.Actor, new TrainingFinished(result.ParameterSha256), out _);
        Log.LogInformation("Training complete after {Steps} steps: parameters {Hash}", _run.GlobalStep, result.ParameterSha256);
        PublishStatus();
        _events.Complete(result);
    }
}
