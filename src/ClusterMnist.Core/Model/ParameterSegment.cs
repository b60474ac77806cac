namespace ClusterMnist.Core.Model;

/// <summary>
/// One tensor's place in the flat parameter (and gradient) buffer: "W1", "b1", "W2", ….
/// Weights are out×in row-major; biases have one entry per output.
/// </summary>
public readonly record struct ParameterSegment(string Name, int Offset, int Length);
