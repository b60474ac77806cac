using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Server.Tests;

/// <summary>The real data for tests that train: MNIST's digits-split from <c>CLUSTERMNIST_DATA</c>, or null when unset.</summary>
internal static class TrainedModel
{
    public static DataSplit? LoadDigits()
    {
        string? root = Environment.GetEnvironmentVariable(DatasetCatalog.DataEnvironmentVariable);
        return string.IsNullOrEmpty(root) ? null : DatasetCatalog.Load(root, DatasetKind.DigitsSplit);
    }

    /// <summary>A small, quick run (a few seconds on one core) that reaches about 95% test accuracy.</summary>
    public static TrainingOptions QuickOptions(int epochs = 3) => new(
        ModelSpec.Parse("784-128-10"), Initialization.He, new OptimizerSpec(OptimizerKind.Adam),
        new LearningRateSchedule(ScheduleKind.Constant, 0.002f), BatchSize: 64, Epochs: epochs, Workers: 1, Seed: 7);
}
