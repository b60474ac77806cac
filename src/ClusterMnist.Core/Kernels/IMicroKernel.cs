// The register-blocked inner kernel of the packed GEMM, one implementation per vector width.
// The driver is generic over a struct implementing this, so the JIT compiles one specialised
// copy of the blocking loops per width with the kernel call bound statically.
namespace ClusterMnist.Core.Kernels;

internal interface IMicroKernel
{
    /// <summary>Rows of C one call computes (the height of a packed A panel).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of C one call computes (the width of a packed B panel), a multiple of the vector width.</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// C[0..Mr, 0..Nr] (+)= Apanel·Bpanel over kc steps. a: Mr adjacent values per step, steps aStep
    /// floats apart (Mr when packed, the row length when read in place); b: Nr adjacent values per
    /// step, steps bStep apart; c: an Mr×Nr tile with row stride ldc.
    /// When <paramref name="load"/> the tile is read first and accumulated into; otherwise it is overwritten.
    /// </summary>
    static abstract void Run(ref float a, nint aStep, ref float b, nint bStep, ref float c, int ldc, int kc, bool load);
}
