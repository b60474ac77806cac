using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Cluster.Worker;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Tests;

public sealed class InProcessClusterTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cmnist-cluster-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task Run_EndsWithLocalTrainerParameters_ForAnyWorkerCount(int workers)
    {
        var cluster = new InProcessCluster(ClusterRuns.Options(workers), ClusterRuns.Data);
        var steps = new List<StepReport>();
        var epochs = new List<ClusterEpochReport>();
        cluster.StepCompleted += steps.Add;
        cluster.ClusterEpochCompleted += epochs.Add;

        var result = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(ClusterRuns.ReferenceResult.Epochs[^1].TrainLoss, result.Epochs[^1].TrainLoss);
        Assert.Equal(ClusterRuns.ReferenceResult.Test.Accuracy, result.Test.Accuracy);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.Equal([1, 2], epochs.Select(e => e.Report.Epoch));
        Assert.All(epochs, e => Assert.Equal(workers, e.LiveWorkers));
        // Per worker and step: the parameters once (4 B/param), the int32 partial (4 B/param) and small lists.
        Assert.All(epochs, e => Assert.InRange(e.BytesPerStepPerWorker / e.ParameterBytes, 1.9, 2.1));
        var status = cluster.Status!;
        Assert.Equal(CoordinatorPhase.Completed, status.Phase);
        Assert.Equal(workers, status.Members.Count(m => m.State == MemberState.Active && m.ShardsDone > 0));
        Assert.True(status.Members.Sum(m => m.ShardsDone) >= 8 * 9 * 2 + 3 * 2);
    }

    [Fact]
    public async Task Run_WithEveryMessageSerialized_EndsWithLocalTrainerParameters()
    {
        // akka.actor.serialize-messages: every message between the actors goes through its serializer and back, as if
        // it crossed nodes (tensors included, which here travel in the messages), so each one is shown to round-trip.
        var cluster = new InProcessCluster(ClusterRuns.Options(3), ClusterRuns.Data) { SerializeMessages = true };

        var result = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(3, cluster.Status!.Members.Count(m => m.ShardsDone > 0));
    }

    [Fact]
    public async Task Run_ReassignsShards_WhenWorkerIsKilledMidEpoch()
    {
        var cluster = new InProcessCluster(ClusterRuns.Options(3), ClusterRuns.Data);
        // Killed right after step 4: step 5 has already been handed out to it, so its shards must move.
        cluster.StepCompleted += s =>
        {
            if (s.Step == 4)
                _ = cluster.Workers["w2"].KillAsync();
        };

        var result = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        var status = cluster.Status!;
        Assert.Equal(MemberState.Dead, status.Members.Single(m => m.Id == "w2").State);
        Assert.True(status.Reassignments >= 1, $"reassignments: {status.Reassignments}");
        Assert.Equal(2, status.History[^1].LiveWorkers);
    }

    [Fact]
    public async Task Run_ReassignsShards_WhenWorkerLeavesGracefully()
    {
        var cluster = new InProcessCluster(ClusterRuns.Options(2), ClusterRuns.Data);
        Task<WorkerOutcome>? leaving = null;
        cluster.StepCompleted += s =>
        {
            if (s.Step == 6)
                leaving = cluster.Workers["w1"].LeaveAsync("SIGTERM", ClusterRuns.Deadline);
        };

        var result = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        var outcome = await leaving!.WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(WorkerOutcomeKind.Left, outcome.Kind);
        Assert.Equal("SIGTERM", outcome.Detail);
        var member = cluster.Status!.Members.Single(m => m.Id == "w1");
        Assert.Equal(MemberState.Left, member.State);
        Assert.Equal(outcome.ShardsDone, member.ShardsDone);
    }

    [Fact]
    public async Task StepReports_CountEachStepsBatchRows_IncludingTheShortLastStep()
    {
        var cluster = new InProcessCluster(ClusterRuns.Options(2), ClusterRuns.Data);
        var samples = new List<int>();
        cluster.ClusterStepCompleted += s => samples.Add(s.Samples);

        await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        // 600 images in batches of 64: nine full steps and one of 24 per epoch.
        int[] epoch = [64, 64, 64, 64, 64, 64, 64, 64, 64, 24];
        Assert.Equal(epoch.Concat(epoch), samples);
    }

    [Fact]
    public async Task Run_UsesWorkerAddedMidRun_FromTheNextStep()
    {
        // Getting ready takes the late worker a while, during which the steps go on without it; the second epoch waits
        // for it (scale-at 2:2), so that the run cannot end before it is ready however slow the machine.
        var cluster = new InProcessCluster(ClusterRuns.Options(1), ClusterRuns.Data) { ScaleAt = new ScaleAt(Epoch: 2, Workers: 2) };
        var workersPerStep = new List<int>();
        cluster.ClusterStepCompleted += s =>
        {
            workersPerStep.Add(s.WorkersUsed);
            if (s.Report.Step == 3)
                cluster.AddWorker("late");
        };

        var result = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.All(workersPerStep.Take(3), n => Assert.Equal(1, n));
        // From the first step it took part in, every step used it.
        int joined = workersPerStep.IndexOf(2);
        Assert.InRange(joined, 3, 10);
        Assert.All(workersPerStep.Skip(joined), n => Assert.Equal(2, n));
        Assert.True(cluster.Status!.Members.Single(m => m.Id == "late").ShardsDone > 0);
    }

    [Fact]
    public async Task Run_WaitsForMinWorkers_BeforeTheFirstStep()
    {
        var cluster = new InProcessCluster(ClusterRuns.Options(1), ClusterRuns.Data) { MinWorkers = 2 };
        var firstStep = new TaskCompletionSource<ClusterStatus?>(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.StepCompleted += s => firstStep.TrySetResult(cluster.Status);
        var run = cluster.RunAsync();

        var joined = await Eventually(() => cluster.Status is { Members.Count: 1 } s ? s : null);
        Assert.Equal(CoordinatorPhase.WaitingForWorkers, joined.Phase);
        await Assert.ThrowsAsync<TimeoutException>(() => firstStep.Task.WaitAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(0, cluster.Status!.Step);

        cluster.AddWorker("second");
        var result = await run.WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
        Assert.Equal(2, (await firstStep.Task)!.LiveWorkers);
    }

    [Fact]
    public async Task Run_CancelledByItsHost_StopsItsWorkersWithoutAWarning()
    {
        // What `train` does on Ctrl+C: the whole run stops on purpose, so no worker "lost the coordinator".
        using var logs = new RecordingLoggerFactory();
        using var cancel = new CancellationTokenSource();
        var cluster = new InProcessCluster(ClusterRuns.Options(2), ClusterRuns.Data) { LoggerFactory = logs };
        cluster.StepCompleted += s =>
        {
            if (s.Step == 3)
                cancel.Cancel();
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cluster.RunAsync(cancel.Token).WaitAsync(ClusterRuns.Deadline));

        foreach (var worker in cluster.Workers.Values)
            Assert.NotEqual(WorkerOutcomeKind.LostCoordinator, (await worker.Completion.WaitAsync(ClusterRuns.Deadline)).Kind);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Join_IsRefused_WhenWorkerDataDiffers_AndBothSidesSayWhy()
    {
        using var logs = new RecordingLoggerFactory();
        var cluster = new InProcessCluster(ClusterRuns.Options(1), ClusterRuns.Data) { LoggerFactory = logs, MinWorkers = 2 };
        var run = cluster.RunAsync();
        await Eventually(() => cluster.Status is { Members.Count: 1 } s ? s : null);

        var stranger = cluster.AddWorker("stranger", SyntheticData.Images(600, seed: 99));
        var outcome = await stranger.Completion.WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(WorkerOutcomeKind.Refused, outcome.Kind);
        Assert.Contains("fingerprint", outcome.Detail, StringComparison.Ordinal);
        await logs.WaitForAsync(e => e.Message.Contains("Refused worker stranger", StringComparison.Ordinal), ClusterRuns.Deadline);
        // The worker's side is its outcome, which its host reports (the CLI as its error line): not also a log line,
        // and no "is ready" before the refusal, for it never was.
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("stranger was refused", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("Worker stranger is ready", StringComparison.Ordinal));
        Assert.False(stranger.Ready.IsCompleted, "a refused worker was never ready");
        // The coordinator tells the worker (and logs) before it publishes the status that lists it as refused, on its
        // own thread: the status is awaited, not read at once.
        var status = await Eventually(() => cluster.Status is { } s && s.Members.Any(m => m.Id == "stranger" && m.State == MemberState.Refused) ? s : null);
        Assert.Equal(MemberState.Refused, status.Members.Single(m => m.Id == "stranger").State);
        Assert.Equal(0, status.Step);

        cluster.AddWorker("friend");
        Assert.Equal(ClusterRuns.ReferenceHash, (await run.WaitAsync(ClusterRuns.Deadline)).ParameterSha256);
    }

    [Fact]
    public async Task Resume_FromMidEpochAndEpochCheckpoints_EndsWithUninterruptedParameters()
    {
        string path = Path.Combine(_directory, "run.ckpt");
        string midEpoch1 = Path.Combine(_directory, "step6.ckpt");
        string afterEpoch1 = Path.Combine(_directory, "epoch1.ckpt");
        string midEpoch2 = Path.Combine(_directory, "step15.ckpt");
        var cluster = new InProcessCluster(ClusterRuns.Options(3), ClusterRuns.Data) { CheckpointPath = path, CheckpointEverySteps = 3 };
        cluster.StepCompleted += s =>
        {
            if (s.Step == 6)
                File.Copy(path, midEpoch1);
            if (s.Step == 15)
                File.Copy(path, midEpoch2);
        };
        cluster.EpochCompleted += e =>
        {
            if (e.Epoch == 1)
                File.Copy(path, afterEpoch1);
        };
        var uninterrupted = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(ClusterRuns.ReferenceHash, uninterrupted.ParameterSha256);
        Assert.Equal(uninterrupted.ParameterSha256, ParameterHash.Sha256(Checkpoint.Read(path).Parameters));
        Assert.Equal((0, 6), (Checkpoint.Read(midEpoch1).Epoch, Checkpoint.Read(midEpoch1).StepInEpoch));
        Assert.Equal((1, 5), (Checkpoint.Read(midEpoch2).Epoch, Checkpoint.Read(midEpoch2).StepInEpoch));

        foreach (var (checkpoint, workers) in new[] { (midEpoch1, 2), (afterEpoch1, 1), (midEpoch2, 4) })
        {
            var resumed = InProcessCluster.Resume(checkpoint, ClusterRuns.Data, workers);
            var result = await resumed.RunAsync().WaitAsync(ClusterRuns.Deadline);
            Assert.Equal(uninterrupted.ParameterSha256, result.ParameterSha256);
            Assert.Equal(2, result.Epochs.Count);
            Assert.Equal(uninterrupted.Epochs[1].TrainLoss, result.Epochs[1].TrainLoss);
        }
        // A checkpoint written by the cluster resumes on local threads too: one format, one TrainingRun.
        Assert.Equal(uninterrupted.ParameterSha256, LocalTrainer.Resume(midEpoch2, ClusterRuns.Data, 2).Run().ParameterSha256);
    }

    [Fact]
    public async Task Resume_WithTooSmallExponents_RedoesSteps_AndMatchesLocalTrainer()
    {
        // Every exponent forced to the minimum: the first resumed step overflows in every shard and is redone with
        // raised exponents, across workers, and must land exactly where the local trainer's redo lands.
        string path = Path.Combine(_directory, "run.ckpt");
        var trainer = new LocalTrainer(ClusterRuns.Options(1), ClusterRuns.Data) { CheckpointPath = path };
        trainer.EpochCompleted += e =>
        {
            if (e.Epoch == 1)
                File.Copy(path, path + ".epoch1");
        };
        trainer.Run();
        var state = Checkpoint.Read(path + ".epoch1");
        Array.Fill(state.Exponents, ReductionExponents.MinExponent);
        string local = Path.Combine(_directory, "local.ckpt");
        string clustered = Path.Combine(_directory, "cluster.ckpt");
        Checkpoint.Write(local, state);
        Checkpoint.Write(clustered, state);
        var expected = LocalTrainer.Resume(local, ClusterRuns.Data, 2).Run().ParameterSha256;

        var cluster = InProcessCluster.Resume(clustered, ClusterRuns.Data, 3);
        var redone = new List<int>();
        cluster.ClusterStepCompleted += s => redone.Add(s.Attempts);
        var result = await cluster.RunAsync().WaitAsync(ClusterRuns.Deadline);

        Assert.Equal(expected, result.ParameterSha256);
        Assert.True(cluster.RedoCount >= 1);
        Assert.True(redone[0] >= 2, $"attempts of the first resumed step: {redone[0]}");
    }

    [Fact]
    public async Task Run_ThrowsTrainingDiverged_WhenLearningRateExplodes()
    {
        var options = ClusterRuns.Options(2) with
        {
            Optimizer = Core.Optim.OptimizerSpec.Parse("sgd"),
            Schedule = new Core.Optim.LearningRateSchedule(Core.Optim.ScheduleKind.Constant, 1e30f),
        };
        var cluster = new InProcessCluster(options, ClusterRuns.Data);
        await Assert.ThrowsAsync<TrainingDivergedException>(() => cluster.RunAsync().WaitAsync(ClusterRuns.Deadline));
        Assert.Equal(CoordinatorPhase.Failed, cluster.Status!.Phase);
    }

    /// <summary>Waits (bounded) until <paramref name="probe"/> returns a value.</summary>
    internal static async Task<T> Eventually<T>(Func<T?> probe) where T : class
    {
        var deadline = DateTime.UtcNow + ClusterRuns.Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
                return value;
            await Task.Delay(20);
        }
        throw new TimeoutException($"The condition did not hold within {ClusterRuns.Deadline}.");
    }
}
