namespace ClusterMnist.Core.Data;

/// <summary>
/// Finds the data sets on disk: <c>root/mnist</c> and <c>root/fashion-mnist</c>, each holding the four IDX files
/// (gzipped or raw) or the Kaggle CSV pair.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>The environment variable that overrides <see cref="DefaultDataDirectory"/>.</summary>
    public const string DataEnvironmentVariable = "CLUSTERMNIST_DATA";

    /// <summary>Images of every catalogued data set are 28 × 28.</summary>
    public const int ImageSide = 28;

    /// <summary>$CLUSTERMNIST_DATA when set, else ~/.clustermnist/data.</summary>
    public static string DefaultDataDirectory =>
        Environment.GetEnvironmentVariable(DataEnvironmentVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".clustermnist", "data");

    /// <summary>The folder <paramref name="kind"/> lives in under <paramref name="dataRoot"/>.</summary>
    public static string DirectoryFor(string dataRoot, DatasetKind kind) => kind switch
    {
        DatasetKind.Mnist or DatasetKind.DigitsSplit => Path.Combine(dataRoot, "mnist"),
        DatasetKind.Fashion => Path.Combine(dataRoot, "fashion-mnist"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The command-line name of <paramref name="kind"/> ("mnist", "fashion", "digits-split"), as <see cref="DataSplit.Name"/> gives it.</summary>
    public static string NameOf(DatasetKind kind) => DatasetFiles.Name(kind);

    /// <summary>Parses a command-line name: "mnist", "fashion" (or "fashion-mnist") or "digits-split".</summary>
    /// <exception cref="ArgumentException">Any other name; the message lists the valid ones.</exception>
    public static DatasetKind Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "mnist" => DatasetKind.Mnist,
        "fashion" or "fashion-mnist" => DatasetKind.Fashion,
        "digits-split" => DatasetKind.DigitsSplit,
        _ => throw new ArgumentException(
            $"Unknown dataset '{name}': expected mnist, fashion or digits-split.", nameof(name)),
    };

    /// <summary>
    /// Loads the training and test sets of <paramref name="kind"/>. <see cref="DatasetKind.DigitsSplit"/> needs only
    /// the MNIST test set: its first 8,000 images train, its last 2,000 test.
    /// </summary>
    /// <exception cref="DataFormatException">
    /// A file is missing (the message lists what was looked for and suggests <c>clustermnist download</c>) or malformed.
    /// </exception>
    public static DataSplit Load(string dataRoot, DatasetKind kind)
    {
        string directory = DirectoryFor(dataRoot, kind);
        var (trainCsv, testCsv) = DatasetFiles.CsvNames(kind);
        string name = DatasetFiles.Name(kind);
        if (kind == DatasetKind.DigitsSplit)
        {
            ImageSet all = LoadHalf(directory, kind, DatasetFiles.TestImages, DatasetFiles.TestLabels, testCsv);
            return new DataSplit(all.Slice(0, DigitsSplitTrainCount(all)), DigitsSplitTest(all), name);
        }

        ImageSet train = LoadHalf(directory, kind, DatasetFiles.TrainImages, DatasetFiles.TrainLabels, trainCsv);
        ImageSet test = LoadHalf(directory, kind, DatasetFiles.TestImages, DatasetFiles.TestLabels, testCsv);
        return new DataSplit(train, test, name);
    }

    /// <summary>
    /// Loads only the test set of <paramref name="kind"/> (what evaluating a model needs): the training files are
    /// neither read nor required.
    /// </summary>
    /// <exception cref="DataFormatException">As for <see cref="Load"/>, about the test files.</exception>
    public static ImageSet LoadTest(string dataRoot, DatasetKind kind)
    {
        string directory = DirectoryFor(dataRoot, kind);
        ImageSet test = LoadHalf(directory, kind, DatasetFiles.TestImages, DatasetFiles.TestLabels, DatasetFiles.CsvNames(kind).Test);
        return kind == DatasetKind.DigitsSplit ? DigitsSplitTest(test) : test;
    }

    // digits-split: the MNIST test file's first 8,000 images train, the rest test.
    private static ImageSet DigitsSplitTest(ImageSet all)
    {
        int trainCount = DigitsSplitTrainCount(all);
        return all.Slice(trainCount, all.Count - trainCount);
    }

    private static int DigitsSplitTrainCount(ImageSet all)
    {
        const int trainCount = 8_000;
        return all.Count > trainCount
            ? trainCount
            : throw new DataFormatException(all.Source, $"holds {all.Count:N0} images; digits-split needs more than {trainCount:N0}.");
    }

    private static ImageSet LoadHalf(string directory, DatasetKind kind, string images, string labels, string csv)
    {
        string? imagesPath = FindIdx(directory, images);
        string? labelsPath = FindIdx(directory, labels);
        ImageSet set;
        if (imagesPath is not null && labelsPath is not null)
        {
            set = IdxReader.Read(imagesPath, labelsPath);
        }
        else if (File.Exists(Path.Combine(directory, csv)))
        {
            set = CsvReader.Read(Path.Combine(directory, csv), ImageSide, ImageSide);
        }
        else
        {
            var missing = new List<string>();
            if (imagesPath is null)
            {
                missing.Add($"{images}.gz (or {images})");
            }

            if (labelsPath is null)
            {
                missing.Add($"{labels}.gz (or {labels})");
            }

            string downloadKind = kind == DatasetKind.Fashion ? "fashion" : "mnist";
            throw new DataFormatException(
                directory,
                $"{DatasetFiles.Name(kind)} data not found: looked for {string.Join(" and ", missing)}, or {csv}. "
                + $"Run `clustermnist download --dataset {downloadKind} --dir {Path.GetDirectoryName(directory)}` to fetch it.");
        }

        if (set.Rows != ImageSide || set.Columns != ImageSide)
        {
            throw new DataFormatException(
                set.Source, $"wrong dimensions: images are {set.Rows}×{set.Columns}, expected {ImageSide}×{ImageSide}.");
        }

        return set;
    }

    private static string? FindIdx(string directory, string baseName)
    {
        // The gzipped file as published, the raw file after `gunzip`, and Kaggle's dotted spelling of the raw file.
        string dotted = baseName.Replace("-idx", ".idx", StringComparison.Ordinal);
        string[] candidates = [baseName + ".gz", baseName, dotted];
        return candidates.Select(c => Path.Combine(directory, c)).FirstOrDefault(File.Exists);
    }
}
