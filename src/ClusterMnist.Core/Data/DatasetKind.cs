namespace ClusterMnist.Core.Data;

/// <summary>The data sets <see cref="DatasetCatalog"/> knows how to find and load.</summary>
public enum DatasetKind
{
    /// <summary>MNIST handwritten digits: 60,000 training and 10,000 test images.</summary>
    Mnist,

    /// <summary>Fashion-MNIST clothing images in the same format: 60,000 training and 10,000 test images.</summary>
    Fashion,

    /// <summary>The MNIST test set alone, split into its first 8,000 images for training and last 2,000 for testing.</summary>
    DigitsSplit,
}
