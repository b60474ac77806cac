namespace ClusterMnist.Core.Export;

/// <summary>Where an exported model comes from, recorded in the ONNX file's metadata.</summary>
/// <param name="Dataset">The data set it was trained on (e.g. <c>mnist</c>); null when the caller does not know it.</param>
/// <param name="TrainFingerprint">ImageSet.Fingerprint of the training set (from the checkpoint); null when unknown.</param>
/// <param name="Step">Optimizer steps done when the parameters were taken.</param>
/// <param name="Epoch">Epochs completed when the parameters were taken.</param>
public sealed record OnnxExportInfo(string? Dataset, string? TrainFingerprint, long Step, int Epoch);
