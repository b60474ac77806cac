namespace ClusterMnist.Core.Training;

/// <summary>Progress after one optimizer step; loss and accuracy are running means over the epoch so far.</summary>
public sealed record StepReport(int Epoch, long Step, int StepInEpoch, int StepsPerEpoch, double Loss, double Accuracy, double SamplesPerSecond);

/// <summary>
/// One finished epoch: training loss/accuracy (with dropout, as trained), test loss/accuracy, wall seconds of
/// training, and throughput excluding the evaluation.
/// </summary>
public sealed record EpochReport(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double Seconds, double SamplesPerSecond);
