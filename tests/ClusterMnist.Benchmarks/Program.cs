using System.Globalization;
using BenchmarkDotNet.Running;
using ClusterMnist.Benchmarks;
using ClusterMnist.Core.Model;

// `measure [seconds-per-measurement] [rounds]` prints GEMM GFLOP/s as fractions of the FMA peak measured in the same
// run; `step [model] [batch] [micro-shard] [seconds] [rounds] [cpu]` the training step's fraction of the peak (`cpu`:
// timed by thread CPU time); `products [model] [group-rows] [micro-shard] [seconds] [rounds]` each product of a shard
// group's pass; anything else goes to BenchmarkDotNet.
string Text(int index, string fallback) => args.Length > index ? args[index] : fallback;
int Integer(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
TimeSpan Seconds(int index, double fallback) =>
    TimeSpan.FromSeconds(args.Length > index ? double.Parse(args[index], CultureInfo.InvariantCulture) : fallback);

switch (Text(0, ""))
{
    case "measure":
        GemmPeakReport.Run(Seconds(1, 0.3), Integer(2, 5), Console.Out);
        break;
    case "step":
        StepPeakReport.Run(ModelSpec.Parse(Text(1, "784-256-128-10")), Integer(2, 256), Integer(3, 32), Seconds(4, 0.3), Integer(5, 5),
            Text(6, "") == "cpu", Console.Out);
        break;
    case "products":
        ProductPeakReport.Run(ModelSpec.Parse(Text(1, "784-256-128-10")), Integer(2, 256), Integer(3, 32), Seconds(4, 0.2), Integer(5, 3), Console.Out);
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(GemmPeakReport).Assembly).Run(args);
        break;
}
