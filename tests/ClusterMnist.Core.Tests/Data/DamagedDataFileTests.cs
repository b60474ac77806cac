using System.Buffers.Binary;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Core.Tests.Data;

/// <summary>The probe's damaged data files: each once trained silently or failed without naming the file.</summary>
public sealed class DamagedDataFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(8)]
    public void Read_RefusesAGzipCutInsideItsTrailer(int missing)
    {
        var (images, labels) = WriteGzipped(IdxFiles.Images(40, 28, 28), IdxFiles.Labels([.. Enumerable.Range(0, 40).Select(i => (byte)(i % 10))]));
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..^missing]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Equal(images, e.Path);
        Assert.Contains("damaged gzip file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(100)]
    public void Read_RefusesAGzipFollowedByJunk(int junk)
    {
        var (images, labels) = WriteGzipped(IdxFiles.Images(40, 28, 28), IdxFiles.Labels([.. Enumerable.Range(0, 40).Select(i => (byte)(i % 10))]));
        File.WriteAllBytes(labels, [.. File.ReadAllBytes(labels), .. Enumerable.Range(0, junk).Select(i => (byte)(i * 37 + 5))]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(images, labels));

        Assert.Equal(labels, e.Path);
        Assert.Contains("has bytes after its end", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvReader_RefusesAGzipCutInsideItsTrailer()
    {
        string csv = _temp.File("mnist_test.csv.gz");
        byte[] gz = IdxFiles.Gzip(System.Text.Encoding.ASCII.GetBytes("7," + string.Join(',', Enumerable.Repeat("0", 784)) + "\n"));
        File.WriteAllBytes(csv, gz[..^3]);

        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(csv));

        Assert.Contains("damaged gzip file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF)]
    [InlineData(1, 0x7FFFFFFF, 0x7FFFFFFF)]
    [InlineData(0x7FFFFFFF, 28, 28)]
    public void ReadImages_NamesTheFileAndTheDimensions_WhenTheyCannotBeHeld(int count, int rows, int columns)
    {
        // Once: "OverflowException: Arithmetic operation resulted in an overflow." without a file name.
        byte[] header = IdxFiles.Images(1, 1, 1);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), columns);
        string path = _temp.File("train-images-idx3-ubyte.gz");
        File.WriteAllBytes(path, IdxFiles.Gzip(header));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, e.Path);
        Assert.Contains($"declares {count:N0} images of {rows:N0}×{columns:N0} pixels", e.Message, StringComparison.Ordinal);
        Assert.Contains("more than one array can hold", e.Message, StringComparison.Ordinal);
    }

    private (string Images, string Labels) WriteGzipped(byte[] images, byte[] labels)
    {
        string imagesPath = _temp.File("t10k-images-idx3-ubyte.gz");
        string labelsPath = _temp.File("t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(imagesPath, IdxFiles.Gzip(images));
        File.WriteAllBytes(labelsPath, IdxFiles.Gzip(labels));
        return (imagesPath, labelsPath);
    }
}
