using ClusterMnist.Core.Data;

namespace ClusterMnist.Core.Tests.Data;

public class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ReturnsPixelsAndLabels_WhenFilesAreValid(bool gzipped)
    {
        byte[] images = IdxFiles.Images(3, 4, 5);
        byte[] labels = IdxFiles.Labels([7, 0, 9]);
        string imagesPath = Write("images", gzipped ? IdxFiles.Gzip(images) : images);
        string labelsPath = Write("labels", gzipped ? IdxFiles.Gzip(labels) : labels);

        ImageSet set = IdxReader.Read(imagesPath, labelsPath);

        Assert.Equal(3, set.Count);
        Assert.Equal(4, set.Rows);
        Assert.Equal(5, set.Columns);
        Assert.Equal([7, 0, 9], set.Labels.ToArray());
        Assert.Equal(images.AsSpan(16 + 20, 20).ToArray(), set.Pixels(1).ToArray());
    }

    [Fact]
    public void ReadImages_Throws_WhenMagicNumberIsWrong()
    {
        string path = Write("images", IdxFiles.Images(2, 28, 28, magic: 0x1234));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("bad magic number 0x00001234", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void ReadImages_Throws_WhenGivenALabelsFile()
    {
        string path = Write("labels", IdxFiles.Labels([1, 2]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("this is a labels file", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 0, 28)]
    [InlineData(2, 28, -1)]
    [InlineData(-5, 28, 28)]
    public void ReadImages_Throws_WhenDimensionsAreWrong(int count, int rows, int columns)
    {
        byte[] bytes = IdxFiles.Images(0, 1, 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        string path = Write("images", bytes);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("wrong dimensions", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_Throws_WhenDataIsTruncated(bool gzipped)
    {
        byte[] bytes = IdxFiles.Images(10, 28, 28);
        byte[] cut = bytes[..(bytes.Length - 100)];
        string path = Write("images", gzipped ? IdxFiles.Gzip(cut) : cut);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("truncated data", e.Message, StringComparison.Ordinal);
        Assert.Contains("7,740", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_Throws_WhenHeaderIsTruncated()
    {
        string path = Write("images", IdxFiles.Images(1, 2, 2)[..10]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("truncated header", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_Throws_WhenDataFollowsTheDeclaredImages()
    {
        string path = Write("images", IdxFiles.Images(3, 2, 2, declaredCount: 2));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("has data after", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_Throws_WhenGzipIsCorrupt()
    {
        byte[] gz = IdxFiles.Gzip(IdxFiles.Images(50, 28, 28));
        for (int i = 20; i < gz.Length - 8; i += 3)
        {
            gz[i] ^= 0x5a;
        }

        string path = Write("images", gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void ReadLabels_Throws_WhenALabelIsAboveNine()
    {
        string path = Write("labels", IdxFiles.Labels([1, 2, 10, 3]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains("label 10 at index 2 is outside 0–9", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLabels_Throws_WhenFileIsMissing()
    {
        string path = _temp.File("nothing-here");
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Throws_WhenImageAndLabelCountsDiffer()
    {
        string imagesPath = Write("images", IdxFiles.Images(3, 2, 2));
        string labelsPath = Write("labels", IdxFiles.Labels([1, 2]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(imagesPath, labelsPath));
        Assert.Contains("holds 2 labels but images holds 3 images", e.Message, StringComparison.Ordinal);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
