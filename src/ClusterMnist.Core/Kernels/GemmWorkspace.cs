// Per-thread scratch for the packed GEMM: packed A and B blocks and one C tile for edges.
// Thread-static so concurrent callers never share buffers and a call allocates nothing after
// the thread's first. Every byte a call reads from here it has written earlier in the same
// call, so results never depend on what a previous call left behind.
namespace ClusterMnist.Core.Kernels;

internal sealed class GemmWorkspace
{
    [ThreadStatic]
    private static GemmWorkspace? _current;

    public float[] PackedA { get; } = new float[GemmBlocking.Mc * GemmBlocking.Kc];

    public float[] PackedB { get; } = new float[GemmBlocking.Kc * GemmBlocking.Nc];

    public float[] Tile { get; } = new float[GemmBlocking.MaxTile];

    public static GemmWorkspace Current => _current ??= new GemmWorkspace();
}
