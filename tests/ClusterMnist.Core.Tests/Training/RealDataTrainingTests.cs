using Xunit.Abstractions;
using ClusterMnist.Core.Data;
using ClusterMnist.Core.Model;
using ClusterMnist.Core.Optim;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Core.Tests.Training;

public class RealDataTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Train_ReachesEightyFivePercent_OnFashionMnist_InThreeEpochs()
    {
        string? root = Environment.GetEnvironmentVariable(DatasetCatalog.DataEnvironmentVariable);
        if (string.IsNullOrEmpty(root))
        {
            output.WriteLine($"Skipped: set {DatasetCatalog.DataEnvironmentVariable} to the data folder to run the Fashion-MNIST training test.");
            return;
        }
        var data = DatasetCatalog.Load(root, DatasetKind.Fashion);
        var options = new TrainingOptions(ModelSpec.Parse("784-256-128-10"), Initialization.He, OptimizerSpec.Parse("adam"),
            new LearningRateSchedule(ScheduleKind.Constant, 0.001f), BatchSize: 256, Epochs: 3, Workers: 2, Seed: 42);
        var result = new LocalTrainer(options, data).Run();
        foreach (var epoch in result.Epochs)
            output.WriteLine(epoch.ToString());
        output.WriteLine($"test accuracy {result.Test.Accuracy:F4}, {result.SamplesPerSecond:F0} samples/s, {result.TrainSeconds:F2} s");
        Assert.Equal(3, result.Epochs.Count);
        Assert.True(result.Test.Accuracy >= 0.85, $"test accuracy {result.Test.Accuracy:F4} after 3 epochs");
        Assert.Equal(10_000, result.Test.Confusion.Total);
    }
}
