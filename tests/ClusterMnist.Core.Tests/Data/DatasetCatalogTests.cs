using ClusterMnist.Core.Data;

namespace ClusterMnist.Core.Tests.Data;

public class DatasetCatalogTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("mnist", DatasetKind.Mnist)]
    [InlineData("Fashion", DatasetKind.Fashion)]
    [InlineData("fashion-mnist", DatasetKind.Fashion)]
    [InlineData("digits-split", DatasetKind.DigitsSplit)]
    public void Parse_ReturnsKind_ForKnownNames(string name, DatasetKind kind)
    {
        Assert.Equal(kind, DatasetCatalog.Parse(name));
    }

    [Fact]
    public void Parse_ListsValidNames_WhenNameIsUnknown()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetCatalog.Parse("cifar"));
        Assert.Contains("mnist, fashion or digits-split", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DirectoryFor_PutsDigitsSplitWithMnist()
    {
        Assert.Equal(Path.Combine("r", "mnist"), DatasetCatalog.DirectoryFor("r", DatasetKind.DigitsSplit));
        Assert.Equal(Path.Combine("r", "fashion-mnist"), DatasetCatalog.DirectoryFor("r", DatasetKind.Fashion));
    }

    [Fact]
    public void Load_NamesTheMissingFilesAndTheDownloadCommand_WhenDataIsAbsent()
    {
        var e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(_temp.Path, DatasetKind.Fashion));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message, StringComparison.Ordinal);
        Assert.Contains("fashion-mnist_train.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains("clustermnist download --dataset fashion", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ReadsCsvPair_WhenNoIdxFilesArePresent()
    {
        string directory = Directory.CreateDirectory(Path.Combine(_temp.Path, "mnist")).FullName;
        string row = "4," + string.Join(',', Enumerable.Repeat("7", 784));
        File.WriteAllText(Path.Combine(directory, "mnist_train.csv"), $"{row}\n{row}\n");
        File.WriteAllText(Path.Combine(directory, "mnist_test.csv"), $"{row}\n");

        DataSplit split = DatasetCatalog.Load(_temp.Path, DatasetKind.Mnist);

        Assert.Equal(2, split.Train.Count);
        Assert.Equal(1, split.Test.Count);
        Assert.Equal(4, split.Test.Label(0));
    }

    [Fact]
    public void Load_Throws_WhenImagesAreNot28By28()
    {
        string directory = Directory.CreateDirectory(Path.Combine(_temp.Path, "mnist")).FullName;
        File.WriteAllBytes(Path.Combine(directory, "t10k-images-idx3-ubyte"), IdxFiles.Images(2, 32, 32));
        File.WriteAllBytes(Path.Combine(directory, "t10k-labels-idx1-ubyte"), IdxFiles.Labels([1, 2]));
        var e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(_temp.Path, DatasetKind.DigitsSplit));
        Assert.Contains("wrong dimensions: images are 32×32, expected 28×28", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_ReadsTheRealMnistTestSetAsDigitsSplit()
    {
        string root = RealData.Required();

        DataSplit split = DatasetCatalog.Load(root, DatasetKind.DigitsSplit);

        Assert.Equal(8_000, split.Train.Count);
        Assert.Equal(2_000, split.Test.Count);
        Assert.Equal(28, split.Train.Rows);
        // The first MNIST test digits are 7, 2, 1, 0, 4; every class appears in both halves.
        Assert.Equal([7, 2, 1, 0, 4], split.Train.Labels[..5].ToArray());
        Assert.Equal(10, split.Train.Labels.ToArray().Distinct().Count());
        Assert.Equal(10, split.Test.Labels.ToArray().Distinct().Count());
        Assert.Equal(split.Train.Pixels(0).ToArray(), IdxReader.ReadImages(Path.Combine(root, "mnist", "t10k-images-idx3-ubyte.gz")).Pixels[..784]);
    }

    [SkippableFact]
    public void Load_ReadsTheRealMnistTestSet_WithTenThousandDigits()
    {
        string root = RealData.Required();

        string mnist = Path.Combine(root, "mnist");
        ImageSet test = IdxReader.Read(
            Path.Combine(mnist, "t10k-images-idx3-ubyte.gz"), Path.Combine(mnist, "t10k-labels-idx1-ubyte.gz"));

        Assert.Equal(10_000, test.Count);
        Assert.Equal(784, test.PixelsPerImage);
        int[] perClass = new int[10];
        foreach (byte label in test.Labels)
        {
            perClass[label]++;
        }

        // The published class counts of the MNIST test set.
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], perClass);
        Assert.Equal(60_000, IdxReader.ReadLabels(Path.Combine(mnist, "train-labels-idx1-ubyte.gz")).Length);
    }

    [SkippableFact]
    public void LoadTest_ReadsOnlyTheTestFiles_OfTheSharedMnistCopy_WhoseTrainingImagesAreMissing()
    {
        string root = RealData.Required();

        Assert.Equal(10_000, DatasetCatalog.LoadTest(root, DatasetKind.Mnist).Count);
        // digits-split's test half is the last 2,000 images of the same file, as Load gives it.
        ImageSet digits = DatasetCatalog.LoadTest(root, DatasetKind.DigitsSplit);
        Assert.Equal(DatasetCatalog.Load(root, DatasetKind.DigitsSplit).Test.Labels.ToArray(), digits.Labels.ToArray());
        Assert.Equal(2_000, digits.Count);
    }

    [SkippableFact]
    public void Load_ReportsMissingTrainingImages_ForTheSharedMnistCopy()
    {
        string root = RealData.Required();

        // The shared copy has the training labels but not the training images.
        var e = Assert.Throws<DataFormatException>(() => DatasetCatalog.Load(root, DatasetKind.Mnist));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("train-labels", e.Message, StringComparison.Ordinal);
        Assert.Contains("clustermnist download --dataset mnist", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Load_ReadsTheWholeFashionMnist()
    {
        string root = RealData.Required();

        DataSplit split = DatasetCatalog.Load(root, DatasetKind.Fashion);

        Assert.Equal(60_000, split.Train.Count);
        Assert.Equal(10_000, split.Test.Count);
        Assert.Equal("fashion", split.Name);
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
        Assert.All(split.Train.Labels.ToArray().GroupBy(l => l), g => Assert.Equal(6_000, g.Count()));
        Assert.All(split.Test.Labels.ToArray().GroupBy(l => l), g => Assert.Equal(1_000, g.Count()));
        Assert.Equal(10, split.Test.Labels.ToArray().Distinct().Count());
    }
}
