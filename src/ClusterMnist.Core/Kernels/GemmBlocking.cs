// Cache-blocking sizes for the packed GEMM (BLIS loop order jc → pc → ic → jr → ir).
// A kc×Nr panel of packed B (32 KB at Nr = 32) is reused across every A panel of an ic block;
// the mc×kc packed A block (96 KB) stays in L2; the kc×nc packed B block (512 KB) in L2/L3.
// Mc and Nc are multiples of every kernel's Mr (8, 6, 4) and Nr (32, 16, 8), so rounded-up
// panels always fit the workspace.
namespace ClusterMnist.Core.Kernels;

internal static class GemmBlocking
{
    public const int Kc = 256;
    public const int Mc = 96;
    public const int Nc = 512;

    /// <summary>Largest Mr×Nr tile of any micro-kernel (8×32).</summary>
    public const int MaxTile = 8 * 32;

    /// <summary>
    /// The k-block length for this k: k split into equal-as-possible blocks of at most Kc,
    /// so no block is a sliver. A function of k alone, which keeps summation order fixed per shape.
    /// </summary>
    public static int KcFor(int k)
    {
        int blocks = (k + Kc - 1) / Kc;
        return (k + blocks - 1) / blocks;
    }
}
