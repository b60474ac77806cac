using ClusterMnist.Cluster.Hosting;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;

namespace ClusterMnist.Cluster.Tests.Hosting;

public sealed class InProcessClusterWarmUpTests
{
    [Fact]
    public async Task WarmUp_LeavesTheRunAfterItOnTheReferenceParameters()
    {
        var options = ClusterRuns.Options(2);
        // The run's own model and a different one, the second while the run trains: nothing either leaves behind may
        // reach the run's parameters.
        await InProcessCluster.WarmUpAsync(options.Model, options.Optimizer, options.BatchSize).WaitAsync(ClusterRuns.Deadline);
        var other = InProcessCluster.WarmUpAsync(ModelSpec.Parse("784-48-10/tanh/softmax-ce"), OptimizerSpec.Parse("momentum"), 100);
        var result = await new InProcessCluster(options, ClusterRuns.Data).RunAsync().WaitAsync(ClusterRuns.Deadline);
        await other.WaitAsync(ClusterRuns.Deadline);
        Assert.Equal(ClusterRuns.ReferenceHash, result.ParameterSha256);
    }

    [Theory]
    [InlineData("784-16-10/relu/softmax-ce/dropout=0.1", "adam", 1)]
    [InlineData("784-16-8-10/elu/sigmoid-mse", "adamw", 33)]
    [InlineData("784-24-10/sigmoid/softmax-ce", "nesterov", 256)]
    [InlineData("784-24-10/tanh/softmax-ce/dropout=0.5", "sgd", 60_000)]
    [InlineData("100-7-3/relu/softmax-ce", "momentum", 5)]
    public async Task WarmUp_TrainsOneStepOfAnyModelOptimizerAndBatch(string model, string optimizer, int batch)
    {
        var spec = ModelSpec.Parse(model);

        var result = await InProcessCluster.WarmUpAsync(spec, OptimizerSpec.Parse(optimizer), batch).WaitAsync(ClusterRuns.Deadline);

        var epoch = Assert.Single(result.Epochs);
        Assert.Equal(spec.ParameterCount, result.Parameters.Length);
        Assert.True(double.IsFinite(epoch.TrainLoss), $"train loss {epoch.TrainLoss}");
    }

    [Fact]
    public async Task WarmUp_RefusesAnEmptyBatch()
        => await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => InProcessCluster.WarmUpAsync(ModelSpec.Parse("784-16-10"), OptimizerSpec.Parse("adam"), 0));
}
