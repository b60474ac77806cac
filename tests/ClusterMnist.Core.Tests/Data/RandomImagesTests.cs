using ClusterMnist.Core.Data;

namespace ClusterMnist.Core.Tests.Data;

public sealed class RandomImagesTests
{
    [Fact]
    public void Create_GivesTheCountsSizeAndClassesAsked_TheSameForOneSeed()
    {
        var a = RandomImages.Create(inputSize: 100, classes: 3, trainCount: 50, testCount: 7, seed: 5);
        var b = RandomImages.Create(inputSize: 100, classes: 3, trainCount: 50, testCount: 7, seed: 5);
        Assert.Equal((50, 7), (a.Train.Count, a.Test.Count));
        Assert.Equal(100, a.Train.PixelsPerImage);
        var labels = Enumerable.Range(0, a.Train.Count).Select(i => (int)a.Train.Label(i)).ToArray();
        Assert.All(labels, label => Assert.InRange(label, 0, 2));
        Assert.Equal(3, labels.Distinct().Count());
        Assert.Equal(labels, Enumerable.Range(0, b.Train.Count).Select(i => (int)b.Train.Label(i)));
        Assert.Equal(a.Train.Pixels(49).ToArray(), b.Train.Pixels(49).ToArray());
        Assert.NotEqual(a.Train.Pixels(0).ToArray(), RandomImages.Create(100, 3, 50, 7, seed: 6).Train.Pixels(0).ToArray());
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(784, 0)]
    [InlineData(784, 257)]
    public void Create_RefusesSizesNoImageSetHolds(int inputSize, int classes)
        => Assert.Throws<ArgumentOutOfRangeException>(() => RandomImages.Create(inputSize, classes, 10, 10, seed: 1));
}
