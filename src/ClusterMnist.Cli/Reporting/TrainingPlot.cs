namespace ClusterMnist.Cli.Reporting;

/// <summary>What `train --plot` draws: per-epoch loss and accuracy curves, and the final test confusion matrix.</summary>
/// <param name="Title">Heading of the picture (data set and model).</param>
/// <param name="TrainLoss">Mean training loss per epoch, epoch 1 first.</param>
/// <param name="TestLoss">Mean test loss per epoch.</param>
/// <param name="TrainAccuracy">Training accuracy per epoch, in [0, 1].</param>
/// <param name="TestAccuracy">Test accuracy per epoch, in [0, 1].</param>
/// <param name="Confusion">Counts indexed [actual, predicted].</param>
internal sealed record TrainingPlot(
    string Title,
    IReadOnlyList<double> TrainLoss,
    IReadOnlyList<double> TestLoss,
    IReadOnlyList<double> TrainAccuracy,
    IReadOnlyList<double> TestAccuracy,
    int[,] Confusion);
