using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Commands;

/// <summary>
/// Compiles a run's step on a thread-pool thread while the command loads its data (see
/// <see cref="InProcessCluster.WarmUpAsync"/>): this CLI turns tiered compilation off, so without it the first step
/// compiles its code on the training threads.
/// </summary>
internal static class StepWarmUp
{
    /// <summary>The model, optimizer and batch of <paramref name="settings"/> (a full batch counts as one shard group).</summary>
    public static (ModelSpec Model, OptimizerSpec Optimizer, int BatchSize) Of(TrainSettings settings) =>
        (TrainingOptionsFactory.Model(settings), TrainingOptionsFactory.Optimizer(settings),
            settings.FullBatch ? ShardWorkerPool.MaxGroupRows : settings.Batch ?? settings.DefaultBatch);

    /// <summary>
    /// Starts the warm-up of the run <paramref name="run"/> describes (called on the warm-up's thread). The task never
    /// fails and says nothing: whatever stops the warm-up (a checkpoint that cannot be read, say), the run meets on its
    /// own path and reports there; only the speed-up is lost.
    /// </summary>
    public static Task Start(Func<(ModelSpec Model, OptimizerSpec Optimizer, int BatchSize)> run, CancellationToken cancellationToken) => Task.Run(
        async () =>
        {
            try
            {
                var (model, optimizer, batchSize) = run();
                await InProcessCluster.WarmUpAsync(model, optimizer, batchSize, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
            }
        },
        CancellationToken.None);
}
