namespace ClusterMnist.Core.Evaluation;

/// <summary>
/// Counts of (actual, predicted) class pairs, with accuracy and per-class precision and recall.
/// A class that is never predicted has precision 0, and one that never occurs has recall 0, so
/// the numbers stay finite for small or skewed sets.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>An empty matrix for <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        Classes = classes;
        _counts = new int[classes * classes];
    }

    /// <summary>Number of classes (rows and columns).</summary>
    public int Classes { get; }

    /// <summary>Number of samples added.</summary>
    public int Total { get; private set; }

    /// <summary>How often a sample of class <paramref name="actual"/> was predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[Index(actual, predicted)];

    /// <summary>Fraction of samples on the diagonal; 0 for an empty matrix.</summary>
    public double Accuracy
    {
        get
        {
            if (Total == 0)
            {
                return 0;
            }

            long correct = 0;
            for (var c = 0; c < Classes; c++)
            {
                correct += this[c, c];
            }

            return (double)correct / Total;
        }
    }

    /// <summary>Records one prediction.</summary>
    public void Add(int actual, int predicted)
    {
        _counts[Index(actual, predicted)]++;
        Total++;
    }

    /// <summary>Adds every count of <paramref name="other"/> (e.g. from another thread's share of a test set).</summary>
    public void Add(ConfusionMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Classes != Classes)
        {
            throw new ArgumentException($"Cannot add a {other.Classes}-class matrix to a {Classes}-class one.", nameof(other));
        }

        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Total += other.Total;
    }

    /// <summary>Of the samples predicted as <paramref name="c"/>, the fraction that really are <paramref name="c"/>.</summary>
    public double Precision(int c)
    {
        CheckClass(c, nameof(c));
        long predicted = 0;
        for (var actual = 0; actual < Classes; actual++)
        {
            predicted += this[actual, c];
        }

        return predicted == 0 ? 0 : (double)this[c, c] / predicted;
    }

    /// <summary>Of the samples that really are <paramref name="c"/>, the fraction predicted as <paramref name="c"/>.</summary>
    public double Recall(int c)
    {
        CheckClass(c, nameof(c));
        long actual = 0;
        for (var predicted = 0; predicted < Classes; predicted++)
        {
            actual += this[c, predicted];
        }

        return actual == 0 ? 0 : (double)this[c, c] / actual;
    }

    private int Index(int actual, int predicted)
    {
        CheckClass(actual, nameof(actual));
        CheckClass(predicted, nameof(predicted));
        return (actual * Classes) + predicted;
    }

    private void CheckClass(int c, string name)
    {
        if ((uint)c >= (uint)Classes)
        {
            throw new ArgumentOutOfRangeException(name, c, $"Class must be in [0, {Classes}).");
        }
    }
}
