namespace ClusterMnist.Core.Randomness;

/// <summary>
/// The four 64-bit words of an <see cref="Rng"/>. Saving and restoring it (e.g. in a checkpoint)
/// continues the exact same sequence.
/// </summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3);
