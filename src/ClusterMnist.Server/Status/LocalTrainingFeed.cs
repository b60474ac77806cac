using System.Globalization;
using ClusterMnist.Core.Training;
using ClusterMnist.Server.Snapshots;

namespace ClusterMnist.Server.Status;

/// <summary>
/// Runs a <see cref="LocalTrainer"/> for a standalone server: its events feed an <see cref="InMemoryClusterStatus"/>
/// and its models reach a <see cref="ModelSnapshotHolder"/>. LocalTrainer does not expose its parameters between
/// steps, so models are published at each epoch end (read back from the checkpoint it has just written, when it
/// writes one) and at the end of the run; a coordinator that owns its parameters publishes after every step instead.
/// </summary>
public static class LocalTrainingFeed
{
    /// <summary>The member id the local trainer appears under.</summary>
    public const string MemberId = "local";

    /// <summary>Trains to the end on the calling thread, reporting as it goes; returns the trainer's result.</summary>
    public static TrainingResult Run(
        LocalTrainer trainer, ModelSnapshotHolder models, InMemoryClusterStatus status, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(status);
        var options = trainer.Options;
        int shardsPerStep = new ShardPlan(options.BatchSize, options.MicroShardSize).ShardCount;
        status.SetConfiguration(Describe(options));
        status.SetRun("training", options.Epochs);
        status.UpsertMember(new MemberStatus(MemberId, "in-process", "training", DateTimeOffset.UtcNow, 0, 0));

        void OnStep(StepReport step)
        {
            status.RecordStep(step);
            status.UpsertMember(new MemberStatus(
                MemberId, "in-process", "training", DateTimeOffset.UtcNow, step.Step * shardsPerStep, step.SamplesPerSecond));
        }

        void OnEpoch(EpochReport epoch)
        {
            status.RecordEpoch(epoch);
            if (trainer.CheckpointPath is { } path)
            {
                var state = Checkpoint.Read(path);
                models.Publish(options.Model, state.Parameters, state.GlobalStep, state.Epoch);
            }
        }

        trainer.StepCompleted += OnStep;
        trainer.EpochCompleted += OnEpoch;
        try
        {
            var result = trainer.Run(cancellationToken);
            var last = status.GetMetrics();
            models.Publish(options.Model, result.Parameters, last.Step, options.Epochs);
            status.UpsertMember(new MemberStatus(
                MemberId, "in-process", "finished", DateTimeOffset.UtcNow, last.Step * shardsPerStep, result.SamplesPerSecond));
            status.SetState("finished");
            return result;
        }
        catch
        {
            status.SetState("failed");
            throw;
        }
        finally
        {
            trainer.StepCompleted -= OnStep;
            trainer.EpochCompleted -= OnEpoch;
        }
    }

    /// <summary>The settings of <paramref name="options"/> as printed name → value pairs.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Describe(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
        yield return new("model", options.Model.ToString());
        yield return new("init", options.Init.ToString());
        yield return new("optimizer", options.Optimizer.Name);
        yield return new("learningRate", Text(options.Schedule.BaseRate));
        yield return new("schedule", options.Schedule.Kind.ToString().ToLowerInvariant());
        yield return new("batchSize", Text(options.BatchSize));
        yield return new("microShardSize", Text(options.MicroShardSize));
        yield return new("epochs", Text(options.Epochs));
        yield return new("workers", Text(options.Workers));
        yield return new("seed", Text(options.Seed));
    }
}
