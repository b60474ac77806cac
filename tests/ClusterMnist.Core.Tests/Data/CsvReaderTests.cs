using System.Text;
using ClusterMnist.Core.Data;

namespace ClusterMnist.Core.Tests.Data;

public class CsvReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ReturnsImages_WithOrWithoutHeader(bool header)
    {
        var text = new StringBuilder();
        if (header)
        {
            text.Append("label,").AppendJoin(',', Enumerable.Range(1, 4).Select(i => $"1x{i}")).Append('\n');
        }

        text.Append("3,0,255,10,20\r\n");
        text.Append("9, 1 ,2,3,4\n\n");
        string path = Write(text.ToString());

        ImageSet set = CsvReader.Read(path, rows: 2, columns: 2);

        Assert.Equal(2, set.Count);
        Assert.Equal([3, 9], set.Labels.ToArray());
        Assert.Equal([0, 255, 10, 20], set.Pixels(0).ToArray());
        Assert.Equal([1, 2, 3, 4], set.Pixels(1).ToArray());
    }

    [Fact]
    public void Read_Throws_WhenAFieldIsNotANumber()
    {
        string path = Write("1,2,3,4,5\n2,0,x7,0,0\n");
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, 2, 2));
        Assert.Contains("line 2, column 3: 'x7' is not a number", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Throws_WhenAPixelIsAbove255()
    {
        string path = Write("1,2,3,4,5\n2,0,0,256,0\n");
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, 2, 2));
        Assert.Contains("line 2, column 4: pixel value 256 is outside 0–255", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Throws_WhenAPixelIsNegative()
    {
        string path = Write("1,-1,3,4,5\n");
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, 2, 2));
        Assert.Contains("pixel value -1 is outside 0–255", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Throws_WhenALabelIsOutsideZeroToNine()
    {
        string path = Write("1,2,3,4,5\n12,0,0,0,0\n");
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, 2, 2));
        Assert.Contains("line 2, column 1: label 12 is outside 0–9", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,2,3,4\n", 4)]
    [InlineData("1,2,3,4,5,6\n", 6)]
    public void Read_Throws_WhenALineHasTheWrongNumberOfFields(string content, int fields)
    {
        string path = Write(content);
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, 2, 2));
        Assert.Contains($"line 1 has {fields} fields; expected 5", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Throws_WhenOnlyAHeaderIsPresent()
    {
        string path = Write("label,a,b,c,d\n");
        var e = Assert.Throws<DataFormatException>(() => CsvReader.Read(path, 2, 2));
        Assert.Contains("holds no images", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Read_MatchesIdx_ForTheRealMnistTestSet()
    {
        string root = RealData.Required();

        ImageSet idx = IdxReader.Read(
            Path.Combine(root, "mnist", "t10k-images-idx3-ubyte.gz"), Path.Combine(root, "mnist", "t10k-labels-idx1-ubyte.gz"));
        ImageSet first = idx.Slice(0, 300);
        var text = new StringBuilder("label");
        for (int p = 0; p < 784; p++)
        {
            text.Append(",pixel").Append(p);
        }

        text.Append('\n');
        for (int i = 0; i < first.Count; i++)
        {
            text.Append(first.Label(i));
            foreach (byte b in first.Pixels(i))
            {
                text.Append(',').Append(b);
            }

            text.Append('\n');
        }

        ImageSet csv = CsvReader.Read(Write(text.ToString()));

        Assert.Equal(first.Fingerprint, csv.Fingerprint);
    }

    private string Write(string content)
    {
        string path = _temp.File("data.csv");
        File.WriteAllText(path, content);
        return path;
    }
}
