using BenchmarkDotNet.Running;
using ClusterMnist.Benchmarks;

// `measure [seconds-per-measurement] [rounds]` prints GEMM GFLOP/s as fractions of the FMA peak
// measured in the same run; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "measure")
{
    double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.3;
    int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
    GemmPeakReport.Run(TimeSpan.FromSeconds(seconds), rounds, Console.Out);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(GemmPeakReport).Assembly).Run(args);
