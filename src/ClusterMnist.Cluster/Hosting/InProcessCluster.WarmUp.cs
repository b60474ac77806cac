using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cluster.Hosting;

public sealed partial class InProcessCluster
{
    /// <summary>
    /// Trains one step of <paramref name="model"/> with <paramref name="optimizer"/> on a few random images through a
    /// throwaway in-process cluster (actor system start, join, assignment, kernels, quantizing sink, exact reduction,
    /// the optimizer's pass, evaluation, shutdown), so that all of that code is compiled before a real run starts its
    /// clock. A host that compiles every method fully optimized on first call (the CLI turns tiered compilation off)
    /// otherwise compiles it on the critical path: measured on `train --dataset fashion --epochs 3`, the first epoch
    /// took 0.50 s against 0.29 s for the next ones, and the start-up before it 0.9 s. Run it on another thread while
    /// the data set loads. Nothing it computes is kept: a real run's results do not depend on whether it ran.
    /// </summary>
    /// <param name="model">The run's model.</param>
    /// <param name="optimizer">The run's optimizer.</param>
    /// <param name="batchSize">The run's batch; at most one shard group of <see cref="ShardWorkerPool.MaxGroupRows"/> rows is trained (larger batches run the same code).</param>
    /// <param name="cancellationToken">Stops the warm-up.</param>
    /// <returns>The throwaway run's result (one epoch of one step), which nothing needs but a test.</returns>
    public static async Task<TrainingResult> WarmUpAsync(ModelSpec model, OptimizerSpec optimizer, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        int rows = Math.Min(batchSize, ShardWorkerPool.MaxGroupRows);
        var options = new TrainingOptions(model, Initialization.He, optimizer, new LearningRateSchedule(ScheduleKind.Constant, 1e-3f),
            rows, Epochs: 1, Workers: 1, Seed: 1);
        var data = RandomImages.Create(model.InputSize, model.OutputSize, rows, testCount: options.MicroShardSize, seed: 1);
        return await new InProcessCluster(options, data).RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
