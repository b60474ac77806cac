using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`bench`: throughput measurements that print ratios measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Measure GEMM throughput against this machine's FMA peak, training samples/s, prediction images/s, HTTP serving latency, cluster scaling over worker processes or the data plane's cost of TLS.")
    {
        BenchGemmCommand.Create(),
        BenchTrainCommand.Create(),
        BenchPredictCommand.Create(),
        BenchServeCommand.Create(),
        BenchClusterCommand.Create(),
        BenchDataPlaneCommand.Create(),
    };
}
