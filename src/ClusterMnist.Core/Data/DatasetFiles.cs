namespace ClusterMnist.Core.Data;

/// <summary>The file names a data set is published under, shared by the catalog and the downloader.</summary>
internal static class DatasetFiles
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The IDX base names (without .gz) that <paramref name="kind"/> needs, training files first.</summary>
    public static IReadOnlyList<string> IdxNames(DatasetKind kind) => kind switch
    {
        DatasetKind.DigitsSplit => [TestImages, TestLabels],
        _ => [TrainImages, TrainLabels, TestImages, TestLabels],
    };

    /// <summary>The CSV names of the popular Kaggle copies, for the training and the test half.</summary>
    public static (string Train, string Test) CsvNames(DatasetKind kind) => kind switch
    {
        DatasetKind.Fashion => ("fashion-mnist_train.csv", "fashion-mnist_test.csv"),
        _ => ("mnist_train.csv", "mnist_test.csv"),
    };

    /// <summary>Command-line name of <paramref name="kind"/>.</summary>
    public static string Name(DatasetKind kind) => kind switch
    {
        DatasetKind.Mnist => "mnist",
        DatasetKind.Fashion => "fashion",
        DatasetKind.DigitsSplit => "digits-split",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
