namespace ClusterMnist.Core.Export;

/// <summary>
/// Keys of the metadata an exported model carries (ONNX <c>metadata_props</c>; ONNX Runtime's
/// <c>custom_metadata_map</c>). Plain names, since a model file holds one model and nothing else writes into it.
/// </summary>
public static class OnnxMetadataKeys
{
    /// <summary>The canonical model spec, e.g. <c>784-256-128-10/relu/softmax-ce/dropout=0.1</c>.</summary>
    public const string ModelSpec = "model_spec";

    /// <summary>The data set trained on, when known (<c>mnist</c>, <c>fashion-mnist</c>, <c>digits-split</c>).</summary>
    public const string Dataset = "dataset";

    /// <summary>SHA-256 fingerprint of the training set's pixels and labels, as the checkpoint records it.</summary>
    public const string TrainFingerprint = "train_fingerprint";

    /// <summary>Optimizer steps done when the parameters were taken.</summary>
    public const string TrainingStep = "training_step";

    /// <summary>Epochs completed when the parameters were taken.</summary>
    public const string Epoch = "epoch";

    /// <summary>Lowercase hex SHA-256 of the float32 parameters (the same hash `train` prints).</summary>
    public const string ParametersSha256 = "parameters_sha256";

    /// <summary>What the input must hold, in words.</summary>
    public const string Input = "input";
}
