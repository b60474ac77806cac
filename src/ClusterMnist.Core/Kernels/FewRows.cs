// Row counts as types, so the few-row forward kernels are compiled once per count (1–4) with the
// unused rows' loads and FMAs removed by the JIT, instead of branching on m inside the hot loop.
namespace ClusterMnist.Core.Kernels;

/// <summary>A row count known when the JIT compiles a generic kernel instantiation.</summary>
internal interface IFewRows
{
    /// <summary>Rows of X the instantiation handles.</summary>
    static abstract int Count { get; }
}

/// <summary>The row-count types of the few-row kernels.</summary>
internal static class FewRows
{
    public readonly struct One : IFewRows
    {
        public static int Count => 1;
    }

    public readonly struct Two : IFewRows
    {
        public static int Count => 2;
    }

    public readonly struct Three : IFewRows
    {
        public static int Count => 3;
    }

    public readonly struct Four : IFewRows
    {
        public static int Count => 4;
    }
}
