using BenchmarkDotNet.Running;
using ClusterMnist.Benchmarks;

// `measure [seconds-per-measurement] [rounds]` prints GEMM GFLOP/s as fractions of the FMA peak
// measured in the same run; `step …` (below) does the same for a whole training step; anything else goes to
// BenchmarkDotNet.
if (args.Length > 0 && args[0] == "measure")
{
    double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.3;
    int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    GemmPeakReport.Run(TimeSpan.FromSeconds(seconds), rounds, Console.Out);
    return;
}

// `step [model] [batch] [micro-shard] [seconds-per-measurement] [rounds] [cpu]` prints the training step's fraction of
// the peak (`cpu`: timed by thread CPU time).
if (args.Length > 0 && args[0] == "step")
{
    var culture = System.Globalization.CultureInfo.InvariantCulture;
    var spec = ClusterMnist.Core.Model.ModelSpec.Parse(args.Length > 1 ? args[1] : "784-256-128-10");
    int batch = args.Length > 2 ? int.Parse(args[2], culture) : 256;
    int microShard = args.Length > 3 ? int.Parse(args[3], culture) : 32;
    double seconds = args.Length > 4 ? double.Parse(args[4], culture) : 0.3;
    int rounds = args.Length > 5 ? int.Parse(args[5], culture) : 5;
    StepPeakReport.Run(spec, batch, microShard, TimeSpan.FromSeconds(seconds), rounds, args.Length > 6 && args[6] == "cpu", Console.Out);
    return;
}

// `products [model] [group-rows] [micro-shard] [seconds] [rounds]` prints each product of a shard group's pass.
if (args.Length > 0 && args[0] == "products")
{
    var culture = System.Globalization.CultureInfo.InvariantCulture;
    var spec = ClusterMnist.Core.Model.ModelSpec.Parse(args.Length > 1 ? args[1] : "784-256-128-10");
    int rows = args.Length > 2 ? int.Parse(args[2], culture) : 256;
    int microShard = args.Length > 3 ? int.Parse(args[3], culture) : 32;
    double seconds = args.Length > 4 ? double.Parse(args[4], culture) : 0.2;
    int rounds = args.Length > 5 ? int.Parse(args[5], culture) : 3;
    ProductPeakReport.Run(spec, rows, microShard, TimeSpan.FromSeconds(seconds), rounds, Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(GemmPeakReport).Assembly).Run(args);
