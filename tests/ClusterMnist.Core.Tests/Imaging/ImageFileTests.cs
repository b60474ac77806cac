using ClusterMnist.Core.Imaging;
using ClusterMnist.Core.Tests.Data;

namespace ClusterMnist.Core.Tests.Imaging;

public sealed class ImageFileTests
{
    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/urandom")]
    public void Load_RefusesADevice_WithoutReadingIt(string device)
    {
        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Load(device));

        Assert.StartsWith($"{device}: is not a regular file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesADirectory()
    {
        using var folder = new TempDirectory();

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Load(folder.Path));

        Assert.Contains("is a directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RefusesAFileOverTheCap_FromItsSize()
    {
        using var folder = new TempDirectory();
        string huge = System.IO.Path.Combine(folder.Path, "huge.png");
        using (var file = File.Create(huge))
        {
            file.SetLength(ImageFile.MaxBytes + 1L); // sparse: costs no disk
        }

        var e = Assert.Throws<ImageFormatException>(() => DigitImage.Load(huge));

        Assert.Contains("over 64 MiB are refused", e.Message, StringComparison.Ordinal);
    }
}
