// Which instruction set a matrix multiply runs on. The default is the widest the machine
// accelerates and is fixed for the life of the process, so a given shape always takes the
// same path (the determinism the exact gradient sum relies on). Tests force each path.
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ClusterMnist.Core.Kernels;

internal enum GemmPath
{
    /// <summary>The naive <see cref="GemmReference"/> loops.</summary>
    Scalar,

    /// <summary>4×8 micro-kernel on 128-bit vectors.</summary>
    Vector128,

    /// <summary>6×16 micro-kernel on 256-bit vectors with FMA.</summary>
    Vector256,

    /// <summary>8×32 micro-kernel on 512-bit vectors (AVX-512F).</summary>
    Vector512,
}

internal static class GemmPaths
{
    /// <summary>The path <see cref="Gemm"/> takes when none is forced: Vector512 → Vector256 → Vector128 → scalar.</summary>
    public static readonly GemmPath Default = Choose();

    /// <summary>True when <paramref name="path"/> runs in hardware here (forcing it is then allowed).</summary>
    public static bool IsSupported(GemmPath path) => path switch
    {
        GemmPath.Scalar => true,
        GemmPath.Vector128 => Vector128.IsHardwareAccelerated,
        // Vector256.FusedMultiplyAdd is emulated in software without FMA3; never take that path then.
        GemmPath.Vector256 => Vector256.IsHardwareAccelerated && Fma.IsSupported,
        GemmPath.Vector512 => Avx512F.IsSupported,
        _ => false,
    };

    private static GemmPath Choose()
    {
        if (Vector512.IsHardwareAccelerated && IsSupported(GemmPath.Vector512))
        {
            return GemmPath.Vector512;
        }

        if (IsSupported(GemmPath.Vector256))
        {
            return GemmPath.Vector256;
        }

        return IsSupported(GemmPath.Vector128) ? GemmPath.Vector128 : GemmPath.Scalar;
    }
}
