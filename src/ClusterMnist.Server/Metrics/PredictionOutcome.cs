namespace ClusterMnist.Server.Metrics;

/// <summary>How a prediction request ended; the <c>outcome</c> label of <c>clustermnist_predictions_total</c>.</summary>
internal enum PredictionOutcome
{
    Ok,
    BadRequest,
    UnsupportedMediaType,
    TooLarge,
    NoModel,

    /// <summary>The served model gave non-finite probabilities: its parameters have diverged.</summary>
    ModelError,

    /// <summary>The client closed or reset the connection while sending its body: nobody is left to answer.</summary>
    ClientClosed,
}
