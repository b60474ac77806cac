// Shape checks shared by every matrix-multiply entry point: checked once, before dispatch.
namespace ClusterMnist.Core.Kernels;

internal static class GemmShape
{
    public static void Check(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if ((long)m * k > aLength)
        {
            throw new ArgumentException($"a holds {aLength} floats, fewer than m×k = {m}×{k}.", "a");
        }

        if ((long)k * n > bLength)
        {
            throw new ArgumentException($"b holds {bLength} floats, fewer than k×n = {k}×{n}.", "b");
        }

        if ((long)m * n > cLength)
        {
            throw new ArgumentException($"c holds {cLength} floats, fewer than m×n = {m}×{n}.", "c");
        }
    }
}
