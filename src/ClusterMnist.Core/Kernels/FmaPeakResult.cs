namespace ClusterMnist.Core.Kernels;

/// <summary>A measured single-core floating-point peak.</summary>
/// <param name="GigaflopsPerSecond">Float32 GFLOP/s (an FMA counts as two flops).</param>
/// <param name="InstructionSet">The vector instruction set the measurement used, e.g. "AVX-512F".</param>
public readonly record struct FmaPeakResult(double GigaflopsPerSecond, string InstructionSet);
