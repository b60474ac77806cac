using ClusterMnist.Cli.Commands;
using ClusterMnist.Cluster.Coordinator;
using ClusterMnist.Core.Training;

namespace ClusterMnist.Cli.Tests;

/// <summary>The coordinator's one line per epoch: exceptional events are counted there, not logged per step.</summary>
public sealed class CoordinatorEpochLineTests
{
    private static ClusterEpochReport Report(int redos, int reassignments) => new(
        new EpochReport(3, 0.5, 0.8, 0.4, 0.9, 1.5, 10_000), LiveWorkers: 2, BytesPerStep: 1_000, BytesPerStepPerWorker: 500,
        ParameterBytes: 250, new StepTimeSplit(0.001, 0.0005, 0.0002, 0.0001), redos, reassignments, LateAnswersIgnored: 0);

    [Fact]
    public void AQuietEpoch_NamesNoRedosOrReassignments()
    {
        string line = CoordinatorRun.EpochLine(Report(redos: 0, reassignments: 0), totalEpochs: 5);

        Assert.StartsWith("epoch 3/5  train loss 0.5000", line, StringComparison.Ordinal);
        Assert.DoesNotContain("redone", line, StringComparison.Ordinal);
        Assert.DoesNotContain("reassignment", line, StringComparison.Ordinal);
    }

    [Fact]
    public void RedoneSteps_AreCountedOnTheEpochLine()
    {
        string line = CoordinatorRun.EpochLine(Report(redos: 4, reassignments: 1), totalEpochs: 5);

        Assert.EndsWith("  1 reassignment(s), 0 late answer(s) ignored  4 step(s) redone with raised reduction exponents", line, StringComparison.Ordinal);
    }
}
