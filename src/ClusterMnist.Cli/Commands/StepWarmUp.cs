using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// Compiles a run's step on a thread-pool thread while the command loads its data (see
/// <see cref="InProcessCluster.WarmUpAsync"/>): this CLI turns tiered compilation off, so without it the first step
/// compiles its code on the training threads. Disposing it stops the warm-up if it still runs and waits for it, so
/// that a command that fails early leaves no throwaway cluster behind.
/// </summary>
internal sealed class StepWarmUp : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;

    private StepWarmUp(TrainSettings settings, string? checkpoint, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stop = _stop.Token;
        Completion = Task.Run(
            async () =>
            {
                try
                {
                    var (model, optimizer, batchSize) = checkpoint is null
                        ? (TrainingOptionsFactory.Model(settings), TrainingOptionsFactory.Optimizer(settings), TrainingOptionsFactory.Batch(settings, int.MaxValue))
                        : Saved(checkpoint);
                    await InProcessCluster.WarmUpAsync(model, optimizer, batchSize, stop).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Never fails and says nothing: whatever stops the warm-up (a checkpoint that cannot be read, a model
                    // too large for memory twice, a cancellation), the run meets on its own path and reports there;
                    // only the speed-up is lost.
                }
            },
            CancellationToken.None);
    }

    /// <summary>Completes when the warm-up has ended, however; never faults.</summary>
    public Task Completion { get; }

    /// <summary>
    /// Starts the warm-up of the run <paramref name="settings"/> describe or, when <paramref name="checkpoint"/> is given,
    /// of the run saved there (read on the warm-up's thread).
    /// </summary>
    public static StepWarmUp Start(TrainSettings settings, string? checkpoint, CancellationToken cancellationToken) =>
        new(settings, checkpoint, cancellationToken);

    /// <summary>Stops the warm-up if it still runs, and waits until it has.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Completion.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static (ModelSpec Model, OptimizerSpec Optimizer, int BatchSize) Saved(string checkpoint)
    {
        var saved = Checkpoint.Read(checkpoint);
        return (ModelSpec.Parse(saved.Model), saved.Optimizer, saved.BatchSize);
    }
}
