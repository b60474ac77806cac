using ClusterMnist.Core.Evaluation;

namespace ClusterMnist.Core.Tests.Evaluation;

public class ConfusionMatrixTests
{
    // actual → predicted, three classes:
    //            pred 0  pred 1  pred 2
    // actual 0      3       1       0
    // actual 1      0       2       2
    // actual 2      1       0       1
    private static ConfusionMatrix HandMade()
    {
        var matrix = new ConfusionMatrix(3);
        (int Actual, int Predicted)[] pairs =
            [(0, 0), (0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (1, 2), (1, 2), (2, 0), (2, 2)];
        foreach (var (actual, predicted) in pairs)
        {
            matrix.Add(actual, predicted);
        }

        return matrix;
    }

    [Fact]
    public void ConfusionMatrix_ComputesPrecisionRecallAndAccuracy_ForHandMadeExample()
    {
        var matrix = HandMade();

        Assert.Equal(10, matrix.Total);
        Assert.Equal(2, matrix[1, 2]);
        Assert.Equal(0.6, matrix.Accuracy, 12);
        Assert.Equal(3.0 / 4, matrix.Precision(0), 12);
        Assert.Equal(2.0 / 3, matrix.Precision(1), 12);
        Assert.Equal(1.0 / 3, matrix.Precision(2), 12);
        Assert.Equal(3.0 / 4, matrix.Recall(0), 12);
        Assert.Equal(2.0 / 4, matrix.Recall(1), 12);
        Assert.Equal(1.0 / 2, matrix.Recall(2), 12);
    }

    [Fact]
    public void ConfusionMatrix_ReturnsZero_ForClassesNeverPredictedOrSeen()
    {
        var matrix = new ConfusionMatrix(3);
        Assert.Equal(0, matrix.Accuracy);

        matrix.Add(0, 1);
        Assert.Equal(0, matrix.Precision(0));
        Assert.Equal(0, matrix.Recall(2));
    }

    [Fact]
    public void ConfusionMatrix_AddsAnotherMatrix()
    {
        var total = new ConfusionMatrix(3);
        total.Add(HandMade());
        total.Add(HandMade());

        Assert.Equal(20, total.Total);
        Assert.Equal(6, total[0, 0]);
        Assert.Equal(0.6, total.Accuracy, 12);
        Assert.Throws<ArgumentException>(() => total.Add(new ConfusionMatrix(2)));
    }

    [Fact]
    public void ConfusionMatrix_RejectsClassesOutOfRange()
    {
        var matrix = new ConfusionMatrix(3);

        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(3, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Precision(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfusionMatrix(0));
    }
}
