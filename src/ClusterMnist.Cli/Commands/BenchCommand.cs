using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`bench`: throughput measurements that print ratios measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Measure GEMM throughput against this machine's FMA peak, training samples/s, prediction images/s or HTTP serving latency.")
    {
        BenchGemmCommand.Create(),
        BenchTrainCommand.Create(),
        BenchPredictCommand.Create(),
        BenchServeCommand.Create(),
        BenchClusterCommand.Create(),
        BenchDataPlaneCommand.Create(),
    };
}
