using System.CommandLine;

namespace ClusterMnist.Cli.Commands;

/// <summary>`bench`: throughput measurements that print ratios measured in the same run.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Measure GEMM throughput against this machine's FMA peak, or training samples/s.")
    {
        BenchGemmCommand.Create(),
        BenchTrainCommand.Create(),
        BenchClusterCommand.Create(),
    };
}
