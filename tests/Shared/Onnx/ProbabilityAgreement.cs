namespace ClusterMnist.Tests.Shared.Onnx;

/// <summary>How far two row-major batches of class probabilities are apart, and on how many rows their argmax differs.</summary>
internal readonly record struct ProbabilityAgreement(double MaxAbsoluteDifference, int ArgmaxMismatches, int Rows)
{
    public static ProbabilityAgreement Compare(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, int rows, int classes)
    {
        if (expected.Length != rows * classes || actual.Length != rows * classes)
        {
            throw new ArgumentException($"expected {rows}×{classes} values, got {expected.Length} and {actual.Length}.");
        }

        double max = 0;
        int mismatches = 0;
        for (int r = 0; r < rows; r++)
        {
            var e = expected.Slice(r * classes, classes);
            var a = actual.Slice(r * classes, classes);
            for (int c = 0; c < classes; c++)
            {
                max = Math.Max(max, Math.Abs((double)e[c] - a[c]));
            }

            if (Argmax(e) != Argmax(a))
            {
                mismatches++;
            }
        }

        return new ProbabilityAgreement(max, mismatches, rows);
    }

    public static int Argmax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    public override string ToString() => $"{Rows} rows: max |Δp| {MaxAbsoluteDifference:E2}, {ArgmaxMismatches} argmax mismatch(es)";
}
