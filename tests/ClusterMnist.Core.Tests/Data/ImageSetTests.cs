using ClusterMnist.Core.Data;

namespace ClusterMnist.Core.Tests.Data;

public class ImageSetTests
{
    [Fact]
    public void Gather_ScalesBytesToUnitRange_InIndexOrder()
    {
        var set = new ImageSet([0, 51, 102, 255, 1, 2, 3, 4, 9, 9, 9, 9], [5, 6, 7], 2, 2, "test");
        var destination = new float[8];
        var labels = new byte[2];

        set.Gather([2, 0], destination, labels);

        Assert.Equal([9 / 255f, 9 / 255f, 9 / 255f, 9 / 255f, 0f, 51 / 255f, 102 / 255f, 1f], destination);
        Assert.Equal([7, 5], labels);
    }

    [Fact]
    public void Gather_Throws_WhenAnIndexIsOutOfRange()
    {
        var set = new ImageSet(new byte[8], [1, 2], 2, 2, "test");
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Gather([0, 2], new float[8], new byte[2]));
    }

    [Fact]
    public void Constructor_Throws_WhenPixelCountDoesNotMatchLabels()
    {
        Assert.Throws<ArgumentException>(() => new ImageSet(new byte[7], [1, 2], 2, 2, "test"));
    }

    [Fact]
    public void Slice_SharesImagesAndLabels()
    {
        var set = new ImageSet([1, 1, 2, 2, 3, 3], [1, 2, 3], 1, 2, "test");
        ImageSet slice = set.Slice(1, 2);
        Assert.Equal(2, slice.Count);
        Assert.Equal([2, 3], slice.Labels.ToArray());
        Assert.Equal([3, 3], slice.Pixels(1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Slice(2, 2));
    }

    [Fact]
    public void Fingerprint_DependsOnPixelsLabelsAndShape_NotOnHowTheSetWasMade()
    {
        var a = new ImageSet([1, 2, 3, 4], [1], 2, 2, "a");
        var same = new ImageSet([0, 0, 0, 0, 1, 2, 3, 4], [9, 1], 2, 2, "b").Slice(1, 1);
        var otherPixel = new ImageSet([1, 2, 3, 5], [1], 2, 2, "a");
        var otherLabel = new ImageSet([1, 2, 3, 4], [2], 2, 2, "a");
        var otherShape = new ImageSet([1, 2, 3, 4], [1], 1, 4, "a");

        Assert.Equal(64, a.Fingerprint.Length);
        Assert.Equal(a.Fingerprint, same.Fingerprint);
        Assert.NotEqual(a.Fingerprint, otherPixel.Fingerprint);
        Assert.NotEqual(a.Fingerprint, otherLabel.Fingerprint);
        Assert.NotEqual(a.Fingerprint, otherShape.Fingerprint);
    }
}
