namespace ClusterMnist.Core.Data;

/// <summary>A training set and a test set of the same shape, with a name for reports.</summary>
public sealed record DataSplit(ImageSet Train, ImageSet Test, string Name);
