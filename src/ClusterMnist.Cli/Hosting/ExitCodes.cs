namespace ClusterMnist.Cli.Hosting;

/// <summary>Process exit codes, so scripts can tell a typo from a failed run.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Cancelled = 130;
}
