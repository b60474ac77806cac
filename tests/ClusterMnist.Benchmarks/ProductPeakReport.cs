using ClusterMnist.Core.Kernels;
using ClusterMnist.Core.Model;

namespace ClusterMnist.Benchmarks;

/// <summary>
/// Each matrix product of a training pass over one shard group, as the pass calls it (forward by shard blocks,
/// dX = dY·W over the group, weight gradients quantized per shard), as a fraction of the FMA peak measured just
/// before it; timed by thread CPU time. Set beside `step`, it tells how much of the step's gap to the peak is in
/// the products themselves and how much around them.
/// </summary>
public static class ProductPeakReport
{
    public static void Run(ModelSpec spec, int groupRows, int microShard, TimeSpan duration, int rounds, TextWriter output)
    {
        var blocks = Enumerable.Repeat(microShard, groupRows / microShard).ToArray();
        var random = new Random(3);
        float[] Values(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var products = new List<(string Name, double Flops, Action<long> Work)>();
        for (int l = 0; l < spec.LayerCount; l++)
        {
            int inputs = spec.LayerSizes[l], outputs = spec.LayerSizes[l + 1];
            var x = Values(groupRows * inputs);
            var w = Values(outputs * inputs);
            var y = new float[groupRows * outputs];
            var dy = Values(groupRows * outputs);
            var dx = new float[groupRows * inputs];
            var sums = new int[outputs * inputs];
            double flops = 2.0 * groupRows * inputs * outputs;
            products.Add(($"forward {inputs}->{outputs}", flops, reps =>
            {
                for (long r = 0; r < reps; r++)
                    Gemm.MultiplyTransposedBByBlocks(x, w, y, outputs, inputs, blocks);
            }));
            if (l > 0)
            {
                products.Add(($"dX {outputs}->{inputs}", flops, reps =>
                {
                    for (long r = 0; r < reps; r++)
                        Gemm.Multiply(dy, w, dx, groupRows, inputs, outputs);
                }));
            }

            products.Add(($"dW {outputs}x{inputs} quantized", flops, reps =>
            {
                for (long r = 0; r < reps; r++)
                    QuantizedGemm.MultiplyTransposedA(dy, x, blocks, 1024f, sums, outputs, inputs, overwrite: r == 0);
            }));
        }

        output.WriteLine($"{spec}: the products of one group of {groupRows} rows in shards of {microShard} (thread CPU time, {rounds} rounds):");
        double total = products.Sum(p => p.Flops), weighted = 0;
        foreach (var (name, flops, work) in products)
        {
            var fractions = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                double peak = FmaPeak.Measure(duration, StepPeakReport.ThreadCpuSeconds).GigaflopsPerSecond;
                fractions.Add(ThroughputTrials.MedianGigaflops(work, flops, duration, StepPeakReport.ThreadCpuSeconds) / peak);
            }

            double median = fractions.Order().ElementAt(fractions.Count / 2);
            weighted += flops / median;
            output.WriteLine($"  {name,-28} {flops / total,6:P1} of the FLOPs  {median:F3} of peak");
        }

        output.WriteLine($"  all products (time-weighted)  {total / weighted:F3} of peak");
    }
}
