using BenchmarkDotNet.Attributes;
using ClusterMnist.Core.Kernels;

namespace ClusterMnist.Benchmarks;

/// <summary>
/// Gemm against the naive reference and a simple TensorPrimitives baseline at every training shape.
/// Run: dotnet run -c Release --project tests/ClusterMnist.Benchmarks -- --filter '*GemmBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    public static IEnumerable<GemmCase> Cases => TrainingShapes.All.Select(s => new GemmCase(s.Form, s.M, s.N, s.K));

    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = new(GemmForm.Forward, 32, 256, 784);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = Enumerable.Range(0, Case.M * Case.K).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, Case.K * Case.N).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _c = new float[Case.M * Case.N];
    }

    [Benchmark(Baseline = true)]
    public void Reference()
    {
        var (form, m, n, k) = Case;
        switch (form)
        {
            case GemmForm.Forward: GemmReference.MultiplyTransposedB(_a, _b, _c, m, n, k); break;
            case GemmForm.BackwardInput: GemmReference.Multiply(_a, _b, _c, m, n, k); break;
            default: GemmReference.MultiplyTransposedA(_a, _b, _c, m, n, k); break;
        }
    }

    [Benchmark]
    public void SimpleVectorized() => SimpleVectorGemm.Run(Case.Form, _a, _b, _c, Case.M, Case.N, Case.K);

    [Benchmark]
    public void Packed()
    {
        var (form, m, n, k) = Case;
        switch (form)
        {
            case GemmForm.Forward: Gemm.MultiplyTransposedB(_a, _b, _c, m, n, k); break;
            case GemmForm.BackwardInput: Gemm.Multiply(_a, _b, _c, m, n, k); break;
            default: Gemm.MultiplyTransposedA(_a, _b, _c, m, n, k); break;
        }
    }
}

/// <summary>One benchmark shape: c is m×n, k is summed over.</summary>
public sealed record GemmCase(GemmForm Form, int M, int N, int K)
{
    // Short enough that BenchmarkDotNet's table does not truncate it.
    public override string ToString() => $"{Form switch { GemmForm.Forward => "XWt", GemmForm.BackwardInput => "dYW", _ => "dYtX" }} {M}x{N}x{K}";
}
